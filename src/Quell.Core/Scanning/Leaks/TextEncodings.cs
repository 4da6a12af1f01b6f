using System.Text;

namespace Quell.Scanning.Leaks;

/// <summary>The cheap obfuscations people use to smuggle text past filters, and their inverses.</summary>
internal static class TextEncodings
{
    public static string Rot13(ReadOnlySpan<char> text)
    {
        return string.Create(text.Length, text.ToString(), static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c switch
                {
                    >= 'a' and <= 'z' => (char)('a' + ((c - 'a' + 13) % 26)),
                    >= 'A' and <= 'Z' => (char)('A' + ((c - 'A' + 13) % 26)),
                    _ => c,
                };
            }
        });
    }

    /// <summary>Decodes standard or URL-safe base64 to text when the result is mostly printable UTF-8; null otherwise.</summary>
    public static string? TryDecodeBase64Text(ReadOnlySpan<char> encoded)
    {
        if (encoded.Length < 16 || encoded.Length > 1 << 20)
        {
            return null;
        }

        var normalised = new char[encoded.Length + 3];
        var n = 0;
        foreach (var c in encoded)
        {
            normalised[n++] = c switch { '-' => '+', '_' => '/', _ => c };
        }

        while (n % 4 != 0)
        {
            normalised[n++] = '=';
        }

        var bytes = new byte[n / 4 * 3];
        if (!Convert.TryFromBase64Chars(normalised.AsSpan(0, n), bytes, out var written) || written < 12)
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var printable = 0;
        var letters = 0;
        foreach (var c in text)
        {
            if (!char.IsControl(c) || c is '\n' or '\r' or '\t')
            {
                printable++;
            }

            if (char.IsLetter(c))
            {
                letters++;
            }
        }

        return printable >= text.Length * 0.95 && letters >= text.Length * 0.5 ? text : null;
    }

    /// <summary>
    /// Collapses "Y o u  a r e" to "You are": single spaces between single characters go, wider gaps become word breaks.
    /// </summary>
    public static string CollapseSpacedLetters(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(text.Length / 2);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != ' ')
            {
                builder.Append(c);
                i++;
                continue;
            }

            var gap = 0;
            while (i < text.Length && text[i] == ' ')
            {
                gap++;
                i++;
            }

            if (gap > 1)
            {
                builder.Append(' ');
            }
        }

        return builder.ToString();
    }
}
