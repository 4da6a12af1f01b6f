using System.Buffers;

namespace Quell.Scanning;

/// <summary>Character classes shared by the hand-written recognisers.</summary>
internal static class TextChars
{
    public static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");
    public static readonly SearchValues<char> Base64 = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");

    public static bool IsDigit(char c) => (uint)(c - '0') <= 9;

    public static bool IsAsciiLetter(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';

    public static bool IsAsciiLetterOrDigit(char c) => IsDigit(c) || IsAsciiLetter(c);

    public static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    public static bool IsBase64Url(char c) => IsAsciiLetterOrDigit(c) || c == '-' || c == '_';

    public static bool IsUpperAlnum(char c) => IsDigit(c) || (uint)(c - 'A') <= 'Z' - 'A';

    /// <summary>True when the char before <paramref name="index"/> does not continue a word (start of text counts).</summary>
    public static bool WordBoundaryBefore(ReadOnlySpan<char> text, int index) => index == 0 || !IsWordChar(text[index - 1]);

    /// <summary>True when the char at <paramref name="end"/> does not continue a word (end of text counts).</summary>
    public static bool WordBoundaryAfter(ReadOnlySpan<char> text, int end) => end >= text.Length || !IsWordChar(text[end]);

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double ShannonEntropy(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return 0;
        }

        Span<int> counts = stackalloc int[128];
        var other = 0;
        foreach (var c in value)
        {
            if (c < 128)
            {
                counts[c]++;
            }
            else
            {
                other++;
            }
        }

        double entropy = 0;
        double length = value.Length;
        foreach (var count in counts)
        {
            if (count > 0)
            {
                var p = count / length;
                entropy -= p * Math.Log2(p);
            }
        }

        if (other > 0)
        {
            var p = other / length;
            entropy -= p * Math.Log2(p);
        }

        return entropy;
    }

    /// <summary>The digits of a value, for comparing numbers written with different separators.</summary>
    public static string DigitsOnly(ReadOnlySpan<char> value)
    {
        Span<char> buffer = value.Length <= 256 ? stackalloc char[value.Length] : new char[value.Length];
        var n = 0;
        foreach (var c in value)
        {
            if (IsDigit(c))
            {
                buffer[n++] = c;
            }
        }

        return new string(buffer[..n]);
    }
}
