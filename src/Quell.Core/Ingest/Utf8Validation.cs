namespace Quell.Ingest;

/// <summary>Finds the first invalid UTF-8 byte so an error can name it.</summary>
public static class Utf8Validation
{
    /// <summary>The offset of the first byte that is not valid UTF-8, or null when all are.</summary>
    public static long? InvalidUtf8At(ReadOnlySpan<byte> span)
    {
        if (System.Text.Unicode.Utf8.IsValid(span))
        {
            return null;
        }

        Span<char> scratch = stackalloc char[1024];
        var consumed = 0;
        while (consumed < span.Length)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(span[consumed..], scratch, out var read, out _, replaceInvalidSequences: false);
            consumed += read;
            if (status == System.Buffers.OperationStatus.InvalidData || status == System.Buffers.OperationStatus.NeedMoreData)
            {
                return consumed;
            }
        }

        return consumed;
    }

    /// <summary>
    /// The offset of the first <c>\uXXXX</c> escape in JSON text that encodes half of a surrogate pair without its
    /// other half (<c>"\ud800"</c>): valid JSON syntax that no UTF-16 or UTF-8 string can hold.
    /// </summary>
    public static long? LoneSurrogateEscapeAt(ReadOnlySpan<byte> json)
    {
        var offset = 0;
        while (true)
        {
            var found = json[offset..].IndexOf("\\u"u8);
            if (found < 0)
            {
                return null;
            }

            var at = offset + found;
            offset = at + 2;
            var backslashes = 0;
            for (var i = at; i >= 0 && json[i] == (byte)'\\'; i--)
            {
                backslashes++;
            }

            if (backslashes % 2 == 0 || !Hex4(json, at + 2, out var unit))
            {
                continue; // an escaped backslash followed by 'u', or a malformed escape the JSON reader reports itself
            }

            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return at;
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (at + 12 <= json.Length && json[at + 6] == (byte)'\\' && json[at + 7] == (byte)'u' && Hex4(json, at + 8, out var low) && low is >= 0xDC00 and <= 0xDFFF)
                {
                    offset = at + 12;
                    continue;
                }

                return at;
            }
        }
    }

    /// <summary>Why JSON text cannot be turned into strings: invalid UTF-8 or a lone surrogate escape, with the byte offset.</summary>
    public static DecodeFailure? CheckJsonText(ReadOnlySpan<byte> json, long baseOffset = 0)
    {
        if (InvalidUtf8At(json) is { } bad)
        {
            return new DecodeFailure("body is not valid UTF-8", baseOffset + bad);
        }

        return LoneSurrogateEscapeAt(json) is { } lone
            ? new DecodeFailure("a string holds an unpaired UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair)", baseOffset + lone)
            : null;
    }

    private static bool Hex4(ReadOnlySpan<byte> s, int start, out int value)
    {
        value = 0;
        if (start + 4 > s.Length)
        {
            return false;
        }

        for (var i = start; i < start + 4; i++)
        {
            var b = s[i];
            var digit = b is >= (byte)'0' and <= (byte)'9' ? b - '0' : (b | 0x20) is >= 'a' and <= 'f' ? (b | 0x20) - 'a' + 10 : -1;
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }
}
