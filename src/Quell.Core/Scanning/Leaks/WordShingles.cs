namespace Quell.Scanning.Leaks;

/// <summary>
/// Word n-gram ("shingle") hashing over a normalised view of text: case, whitespace and punctuation are ignored, so
/// "You are   ACME's agent!" and "you are acme s agent" hash the same.
/// </summary>
internal static class WordShingles
{
    public const int Size = 5;
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;
    private const ulong ShinglePrime = 0x9E3779B97F4A7C15;

    public static bool IsWordChar(char c) => c < 128 ? TextChars.IsAsciiLetterOrDigit(c) : char.IsLetterOrDigit(c);

    public static ulong StartWord() => FnvOffset;

    public static ulong AddChar(ulong hash, char c)
    {
        var lower = c < 128 ? (char)(TextChars.IsAsciiLetter(c) ? c | 0x20 : c) : char.ToLowerInvariant(c);
        return (hash ^ lower) * FnvPrime;
    }

    /// <summary>Hash of the shingle ending at <paramref name="newest"/> in a ring buffer of the last <see cref="Size"/> word hashes.</summary>
    public static ulong Combine(ReadOnlySpan<ulong> ring, int newest)
    {
        ulong hash = 0;
        var slot = newest + 1;
        for (var k = 0; k < Size; k++, slot++)
        {
            hash = (hash * ShinglePrime) + ring[slot >= Size ? slot - Size : slot];
        }

        // Final mix so the top bits (used by the presence filter) depend on every word.
        hash ^= hash >> 29;
        hash *= 0xBF58476D1CE4E5B9;
        return hash ^ (hash >> 32);
    }

    /// <summary>The words of a text with their hashes and positions; used for prompts, not on the hot path.</summary>
    public static List<(ulong Hash, int Start, int End)> Words(ReadOnlySpan<char> text)
    {
        var words = new List<(ulong, int, int)>();
        var i = 0;
        while (i < text.Length)
        {
            if (!IsWordChar(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            var hash = StartWord();
            while (i < text.Length && IsWordChar(text[i]))
            {
                hash = AddChar(hash, text[i]);
                i++;
            }

            words.Add((hash, start, i));
        }

        return words;
    }

    /// <summary>Distinct shingle hashes of a text, in first-seen order.</summary>
    public static List<ulong> Shingles(ReadOnlySpan<char> text)
    {
        var words = Words(text);
        var result = new List<ulong>();
        var seen = new HashSet<ulong>();
        Span<ulong> ring = stackalloc ulong[Size];
        for (var w = 0; w < words.Count; w++)
        {
            ring[w % Size] = words[w].Hash;
            if (w >= Size - 1)
            {
                var shingle = Combine(ring, w % Size);
                if (seen.Add(shingle))
                {
                    result.Add(shingle);
                }
            }
        }

        return result;
    }
}
