using System.Buffers;
using System.Buffers.Text;

namespace Quell.Scanning.Secrets;

/// <summary>Secrets recognised by their structure rather than a vendor prefix: PEM private keys and JWTs.</summary>
internal static class StructuredSecretRules
{
    public static bool TryPrivateKey(ReadOnlySpan<char> text, int i, out SecretMatch match)
    {
        match = default;
        var headerEnd = text[i..].IndexOfAny('\n', '\r');
        var header = headerEnd < 0 ? text[i..] : text[i..(i + headerEnd)];
        if (header.Length > 60 || !header.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            return false;
        }

        var bodyStart = i + header.Length;
        var endMarker = text[bodyStart..].IndexOf("-----END", StringComparison.Ordinal);
        int end;
        if (endMarker >= 0)
        {
            end = bodyStart + endMarker + 8;
            var close = text[end..].IndexOf("-----", StringComparison.Ordinal);
            end = close is >= 0 and < 40 ? end + close + 5 : end;
        }
        else
        {
            // A truncated key still leaks: take the base64 lines that follow the header.
            end = bodyStart;
            while (end < text.Length && (TextChars.Base64.Contains(text[end]) || text[end] is '\n' or '\r'))
            {
                end++;
            }
        }

        var body = text[bodyStart..end];
        var base64Chars = 0;
        foreach (var c in body)
        {
            if (TextChars.IsAsciiLetterOrDigit(c) || c is '+' or '/')
            {
                base64Chars++;
            }
        }

        // "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----" in documentation is not a key.
        if (base64Chars < 64)
        {
            return false;
        }

        match = new SecretMatch(Entities.PrivateKey, i, end, 0.99);
        return true;
    }

    public static bool TryJwt(ReadOnlySpan<char> text, int i, out SecretMatch match)
    {
        match = default;
        if (i > 0 && (TextChars.IsBase64Url(text[i - 1]) || text[i - 1] == '.'))
        {
            return false;
        }

        var headerEnd = TokenRules.Run(text, i, TextChars.IsBase64Url, 2048);
        if (headerEnd - i < 10 || headerEnd >= text.Length || text[headerEnd] != '.')
        {
            return false;
        }

        var payloadEnd = TokenRules.Run(text, headerEnd + 1, TextChars.IsBase64Url, 8192);
        if (payloadEnd - headerEnd < 5 || payloadEnd >= text.Length || text[payloadEnd] != '.')
        {
            return false;
        }

        var end = TokenRules.Run(text, payloadEnd + 1, TextChars.IsBase64Url, 1024);
        if (!HeaderDeclaresAlgorithm(text[i..headerEnd]))
        {
            return false;
        }

        match = new SecretMatch(Entities.Jwt, i, end, end - payloadEnd > 16 ? 0.95 : 0.8);
        return true;
    }

    private static bool HeaderDeclaresAlgorithm(ReadOnlySpan<char> header)
    {
        if (header.Length > 1024)
        {
            return false;
        }

        Span<byte> encoded = stackalloc byte[header.Length];
        for (var k = 0; k < header.Length; k++)
        {
            encoded[k] = (byte)header[k];
        }

        Span<byte> decoded = stackalloc byte[Base64Url.GetMaxDecodedLength(header.Length)];
        if (Base64Url.DecodeFromUtf8(encoded, decoded, out _, out var written) != OperationStatus.Done)
        {
            return false;
        }

        var json = decoded[..written];
        return json.Length > 0 && json[0] == (byte)'{' && json.IndexOf("\"alg\""u8) >= 0;
    }
}
