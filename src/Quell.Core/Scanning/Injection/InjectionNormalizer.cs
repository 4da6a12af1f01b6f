using System.Buffers;

namespace Quell.Scanning.Injection;

/// <summary>
/// Undoes the tricks used to slip instructions past filters: invisible and tag characters, fullwidth and
/// mathematical letter forms, Cyrillic and Greek look-alikes, accents, odd whitespace and case.
/// </summary>
public static class InjectionNormalizer
{
    // Quell runs with invariant globalization, where string.Normalize is a no-op, so compatibility forms are folded by table.
    private const string Latin1Folds = "AAAAAAACEEEEIIIIDNOOOOO*OUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";

    private static readonly Dictionary<char, char> LookAlikes = BuildLookAlikes();

    public static NormalizedText Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return new NormalizedText(string.Empty, [], 0);
        }

        // The result is never longer than the input, so one offsets array of the input's length serves (only the
        // first Text.Length entries are read).
        var offsets = new int[text.Length];
        char[]? rented = null;
        var buffer = text.Length <= 512 ? stackalloc char[512] : (rented = ArrayPool<char>.Shared.Rent(text.Length));
        var length = 0;
        var lastWasSpace = true;
        for (var i = 0; i < text.Length; i++)
        {
            int codePoint = text[i];
            var width = 1;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                codePoint = char.ConvertToUtf32(text[i], text[i + 1]);
                width = 2;
            }

            var folded = Fold(codePoint);
            var source = i;
            i += width - 1;
            if (folded == '\0')
            {
                continue;
            }

            if (char.IsWhiteSpace(folded))
            {
                if (!lastWasSpace)
                {
                    buffer[length] = ' ';
                    offsets[length++] = source;
                    lastWasSpace = true;
                }

                continue;
            }

            buffer[length] = char.ToLowerInvariant(folded);
            offsets[length++] = source;
            lastWasSpace = false;
        }

        var normalized = new string(buffer[..length]);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return new NormalizedText(normalized, offsets, text.Length);
    }

    /// <summary>Reads digits and symbols inside words as the letters they imitate ("1gn0r3" → "ignore"); same length.</summary>
    public static string FoldLeetspeak(string normalized)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        return string.Create(normalized.Length, normalized, static (span, source) => FoldLeetspeak(source, span));
    }

    /// <summary><see cref="FoldLeetspeak(string)"/> into a caller's buffer of at least the source's length.</summary>
    public static void FoldLeetspeak(ReadOnlySpan<char> source, Span<char> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            destination[i] = c switch
            {
                '0' => 'o',
                '1' => 'i',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '7' => 't',
                '@' => 'a',
                '$' => 's',
                _ => c,
            };

            if (destination[i] != c && !((i > 0 && char.IsLetter(source[i - 1])) || (i + 1 < source.Length && char.IsLetter(source[i + 1]))))
            {
                destination[i] = c;
            }
        }
    }

    /// <summary>The ASCII-ish char a code point stands for; '\0' for characters that should vanish.</summary>
    internal static char Fold(int codePoint)
    {
        if (codePoint < 0x80)
        {
            // No ASCII char vanishes or has a look-alike.
            return (char)codePoint;
        }

        switch (codePoint)
        {
            case >= 0x200B and <= 0x200F:
            case >= 0x202A and <= 0x202E:
            case >= 0x2060 and <= 0x2064:
            case 0xFEFF or 0x00AD or 0x034F or 0x180E or 0x061C:
            case >= 0xFE00 and <= 0xFE0F:
            case >= 0xE0000 and <= 0xE007F:
                return '\0';
            case >= 0xFF01 and <= 0xFF5E:
                return (char)(codePoint - 0xFEE0);
            case >= 0x1D400 and <= 0x1D6A3:
                var letter = (codePoint - 0x1D400) % 52;
                return (char)(letter < 26 ? 'A' + letter : 'a' + letter - 26);
            case >= 0x1D7CE and <= 0x1D7FF:
                return (char)('0' + ((codePoint - 0x1D7CE) % 10));
            case >= 0x24B6 and <= 0x24CF:
                return (char)('A' + codePoint - 0x24B6);
            case >= 0x24D0 and <= 0x24E9:
                return (char)('a' + codePoint - 0x24D0);
            case >= 0x00C0 and <= 0x00FF:
                var fold = Latin1Folds[codePoint - 0xC0];
                return fold is '*' or '/' ? (char)codePoint : fold;
            case > 0xFFFF:
                return ' ';
            default:
                var c = (char)codePoint;
                return LookAlikes.TryGetValue(c, out var latin) ? latin : c;
        }
    }

    private static Dictionary<char, char> BuildLookAlikes()
    {
        // Cyrillic and Greek letters that render like Latin ones, plus accented Latin outside Latin-1.
        const string from = "аеорсухіјѕԁһӏԛԝвкмнтьАВЕКМНОРСТХУІЈЅαοριεκντυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧāăąćčďēėęěğīįıłńňōőřśşšťūůűųźżžſ";
        const string to = "aeopcyxijsdhlqwbkmhtbABEKMHOPCTXYIJSaopiekvtuxABEZHIKMNOPTYXaaaccdeeeegiiilnnoorssstuuuuzzzs";
        var map = new Dictionary<char, char>();
        for (var k = 0; k < from.Length; k++)
        {
            map[from[k]] = to[k];
        }

        return map;
    }
}
