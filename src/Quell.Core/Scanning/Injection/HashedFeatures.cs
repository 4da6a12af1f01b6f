namespace Quell.Scanning.Injection;

/// <summary>
/// Sparse feature vector of a normalised text: hashed char 3–5-grams (robust to spelling tricks) and word 1–2-grams
/// (phrasing), L2-normalised so long texts do not dominate.
/// </summary>
/// <remarks>
/// Runs on every scanned input, so it works over spans into a per-thread scratch table and allocates nothing when
/// scoring. Features are kept in first-seen order (n = 3, 4, 5 char-grams, then words left to right), and values and
/// sums are computed with the same float/double operations in the same order, so scores are bit-for-bit stable.
/// </remarks>
internal static class HashedFeatures
{
    public const int Bits = 18;
    public const int Dimensions = 1 << Bits;
    private const int MaxChars = 4000;

    private static readonly char[] Punctuation = ['.', ',', '!', '?', ';', ':', '"', '\'', '(', ')', '[', ']', '*', '`'];

    [ThreadStatic]
    private static Scratch? _scratch;

    /// <summary>Feature indices and values in first-seen order (used for training).</summary>
    public static (int[] Indices, float[] Values) Extract(string normalized)
    {
        var scratch = Fill(normalized);
        return (scratch.Indices.AsSpan(0, scratch.Count).ToArray(), scratch.Values.AsSpan(0, scratch.Count).ToArray());
    }

    /// <summary>bias + Σ weights[index]·value over the features of <paramref name="normalized"/>, without allocating.</summary>
    public static float Dot(float[] weights, float bias, string normalized)
    {
        var scratch = Fill(normalized);
        var indices = scratch.Indices;
        var values = scratch.Values;
        var sum = bias;
        for (var k = 0; k < scratch.Count; k++)
        {
            sum += weights[indices[k]] * values[k];
        }

        return sum;
    }

    private static Scratch Fill(string normalized)
    {
        var text = normalized.AsSpan(0, Math.Min(normalized.Length, MaxChars));
        var scratch = _scratch ??= new Scratch();

        // At most 3 char-grams per padded position plus a unigram and a bigram per word (a word takes ≥ 2 chars with
        // its separator); the table is kept at most half full.
        var paddedLength = text.Length + 2;
        scratch.Reset((3 * paddedLength) + text.Length + 2, paddedLength);
        var padded = scratch.Padded.AsSpan(0, paddedLength);
        padded[0] = ' ';
        text.CopyTo(padded[1..]);
        padded[^1] = ' ';

        for (var n = 3; n <= 5; n++)
        {
            for (var i = 0; i + n <= padded.Length; i++)
            {
                scratch.Add(Hash(padded.Slice(i, n), (uint)n));
            }
        }

        // Words are the runs between spaces (string.Split(' ', RemoveEmptyEntries)), trimmed of punctuation. A word
        // that trims to nothing is skipped, but still counts as the right-hand side of the preceding word's bigram.
        var position = 0;
        var hasCurrent = NextWord(text, ref position, out var current);
        while (hasCurrent)
        {
            var hasNext = NextWord(text, ref position, out var next);
            var word = current.Trim(Punctuation);
            if (word.Length != 0)
            {
                var unigram = Hash(word, 101);
                scratch.Add(unigram);
                if (hasNext)
                {
                    scratch.Add((int)((uint)unigram * 31 ^ (uint)Hash(next.Trim(Punctuation), 211)) & (Dimensions - 1));
                }
            }

            current = next;
            hasCurrent = hasNext;
        }

        scratch.Normalise();
        return scratch;
    }

    private static bool NextWord(ReadOnlySpan<char> text, ref int position, out ReadOnlySpan<char> word)
    {
        while (position < text.Length && text[position] == ' ')
        {
            position++;
        }

        if (position >= text.Length)
        {
            word = default;
            return false;
        }

        var rest = text[position..];
        var length = rest.IndexOf(' ');
        if (length < 0)
        {
            length = rest.Length;
        }

        word = rest[..length];
        position += length;
        return true;
    }

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

    /// <summary>Insertion-ordered counting table (open addressing, linear probing) reused by one thread.</summary>
    private sealed class Scratch
    {
        private int[] _slots = new int[1024];
        private int[] _counts = new int[512];
        private int _mask;

        public int[] Indices = new int[512];
        public float[] Values = new float[512];
        public char[] Padded = new char[256];
        public int Count;

        public void Reset(int maxFeatures, int paddedLength)
        {
            var capacity = 16;
            while (capacity < 2 * maxFeatures)
            {
                capacity <<= 1;
            }

            if (_slots.Length < capacity)
            {
                _slots = new int[capacity];
            }
            else
            {
                Array.Clear(_slots, 0, capacity);
            }

            if (Indices.Length < maxFeatures)
            {
                Indices = new int[maxFeatures];
                Values = new float[maxFeatures];
                _counts = new int[maxFeatures];
            }

            if (Padded.Length < paddedLength)
            {
                Padded = new char[paddedLength];
            }

            _mask = capacity - 1;
            Count = 0;
        }

        public void Add(int index)
        {
            var slot = index & _mask;
            while (true)
            {
                var entry = _slots[slot];
                if (entry == 0)
                {
                    Indices[Count] = index;
                    _counts[Count] = 1;
                    _slots[slot] = ++Count;
                    return;
                }

                if (Indices[entry - 1] == index)
                {
                    _counts[entry - 1]++;
                    return;
                }

                slot = (slot + 1) & _mask;
            }
        }

        public void Normalise()
        {
            double norm = 0;
            for (var k = 0; k < Count; k++)
            {
                // Sub-linear term frequency: a repeated n-gram is evidence, but not ten times the evidence.
                // (Most n-grams occur once, and 1 + log 1 is exactly 1.)
                var count = _counts[k];
                var value = count == 1 ? 1f : 1f + MathF.Log(count);
                Values[k] = value;
                norm += value * value;
            }

            var scale = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0f;
            for (var k = 0; k < Count; k++)
            {
                Values[k] *= scale;
            }
        }
    }
}
