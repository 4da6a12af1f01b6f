using System.Runtime.CompilerServices;

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

    // ASCII letters and digits folded to lower case; 0 for every other ASCII char.
    private static ReadOnlySpan<byte> AsciiFold =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)'0', (byte)'1', (byte)'2', (byte)'3', (byte)'4', (byte)'5', (byte)'6', (byte)'7', (byte)'8', (byte)'9', 0, 0, 0, 0, 0, 0,
        0, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', (byte)'f', (byte)'g', (byte)'h', (byte)'i', (byte)'j', (byte)'k', (byte)'l', (byte)'m', (byte)'n', (byte)'o',
        (byte)'p', (byte)'q', (byte)'r', (byte)'s', (byte)'t', (byte)'u', (byte)'v', (byte)'w', (byte)'x', (byte)'y', (byte)'z', 0, 0, 0, 0, 0,
        0, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', (byte)'f', (byte)'g', (byte)'h', (byte)'i', (byte)'j', (byte)'k', (byte)'l', (byte)'m', (byte)'n', (byte)'o',
        (byte)'p', (byte)'q', (byte)'r', (byte)'s', (byte)'t', (byte)'u', (byte)'v', (byte)'w', (byte)'x', (byte)'y', (byte)'z', 0, 0, 0, 0, 0,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWordChar(char c) => c < 128 ? AsciiFold[c] != 0 : char.IsLetterOrDigit(c);

    public static ulong StartWord() => FnvOffset;

    /// <summary>
    /// Hashes the word starting at <paramref name="i"/> (a word char) and moves <paramref name="i"/> past it: FNV-1a
    /// over its lower-case chars, the same value as <see cref="AddChar"/> char by char, with ASCII folded by one table
    /// lookup that also ends the word.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashWord(ReadOnlySpan<char> text, ref int i)
    {
        var hash = FnvOffset;
        var j = i;
        while ((uint)j < (uint)text.Length)
        {
            var c = text[j];
            if (c < 128)
            {
                var folded = AsciiFold[c];
                if (folded == 0)
                {
                    break;
                }

                hash = (hash ^ folded) * FnvPrime;
            }
            else if (char.IsLetterOrDigit(c))
            {
                hash = (hash ^ char.ToLowerInvariant(c)) * FnvPrime;
            }
            else
            {
                break;
            }

            j++;
        }

        i = j;
        return hash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
            var hash = HashWord(text, ref i);
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
