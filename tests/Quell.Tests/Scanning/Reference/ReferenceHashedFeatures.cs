namespace Quell.Tests.Scanning.Reference;

// Frozen copy of the injection scanner as it was before the allocation-free rewrite; the equivalence tests compare
// the production detector against it record by record. Do not optimise or change it.

/// <summary>
/// Sparse feature vector of a normalised text: hashed char 3–5-grams (robust to spelling tricks) and word 1–2-grams
/// (phrasing), L2-normalised so long texts do not dominate.
/// </summary>
internal static class ReferenceHashedFeatures
{
    public const int Bits = 18;
    public const int Dimensions = 1 << Bits;
    private const int MaxChars = 4000;

    public static (int[] Indices, float[] Values) Extract(string normalized)
    {
        var text = normalized.Length > MaxChars ? normalized[..MaxChars] : normalized;
        var counts = new Dictionary<int, float>(text.Length * 3);
        var padded = " " + text + " ";
        for (var n = 3; n <= 5; n++)
        {
            for (var i = 0; i + n <= padded.Length; i++)
            {
                Add(counts, Hash(padded.AsSpan(i, n), (uint)n), 1f);
            }
        }

        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var w = 0; w < words.Length; w++)
        {
            var word = words[w].Trim(Punctuation);
            if (word.Length == 0)
            {
                continue;
            }

            var unigram = Hash(word, 101);
            Add(counts, unigram, 1f);
            if (w + 1 < words.Length)
            {
                Add(counts, (int)((uint)unigram * 31 ^ (uint)Hash(words[w + 1].Trim(Punctuation), 211)) & (Dimensions - 1), 1f);
            }
        }

        var indices = new int[counts.Count];
        var values = new float[counts.Count];
        double norm = 0;
        var k = 0;
        foreach (var (index, count) in counts)
        {
            // Sub-linear term frequency: a repeated n-gram is evidence, but not ten times the evidence.
            var value = 1f + MathF.Log(count);
            indices[k] = index;
            values[k] = value;
            norm += value * value;
            k++;
        }

        var scale = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0f;
        for (var j = 0; j < values.Length; j++)
        {
            values[j] *= scale;
        }

        return (indices, values);
    }

    private static readonly char[] Punctuation = ['.', ',', '!', '?', ';', ':', '"', '\'', '(', ')', '[', ']', '*', '`'];

    private static void Add(Dictionary<int, float> counts, int index, float value) =>
        counts[index] = counts.TryGetValue(index, out var existing) ? existing + value : value;

    private static int Hash(ReadOnlySpan<char> value, uint seed)
    {
        var hash = 2166136261u ^ (seed * 16777619u);
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        hash ^= hash >> 15;
        hash *= 0x2c1b3c6d;
        hash ^= hash >> 12;
        return (int)(hash & (Dimensions - 1));
    }
}
