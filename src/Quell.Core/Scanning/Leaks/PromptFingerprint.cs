using System.Runtime.CompilerServices;

namespace Quell.Scanning.Leaks;

/// <summary>The shingles of one system prompt (plain and rot13) plus letter n-grams for spaced-out copies.</summary>
internal sealed class PromptFingerprint
{
    public const int LetterGramSize = 12;

    public PromptFingerprint(string name, string prompt)
    {
        Name = name;
        Shingles = WordShingles.Shingles(prompt);
        Rot13Shingles = WordShingles.Shingles(TextEncodings.Rot13(prompt));
        var words = WordShingles.Words(prompt);
        WordCount = words.Count;
        WordHashes = [.. words.Select(w => w.Hash), .. WordShingles.Words(TextEncodings.Rot13(prompt)).Select(w => w.Hash)];
        LetterGrams = BuildLetterGrams(prompt);
    }

    public string Name { get; }

    public List<ulong> Shingles { get; }

    public List<ulong> Rot13Shingles { get; }

    public int WordCount { get; }

    /// <summary>Hashes of the prompt's words, plain and rot13.</summary>
    public IReadOnlyList<ulong> WordHashes { get; }

    public HashSet<ulong> LetterGrams { get; }

    public static HashSet<ulong> BuildLetterGrams(ReadOnlySpan<char> text)
    {
        var letters = new List<char>(text.Length);
        foreach (var c in text)
        {
            if (WordShingles.IsWordChar(c))
            {
                letters.Add(char.ToLowerInvariant(c));
            }
        }

        var grams = new HashSet<ulong>();
        for (var i = 0; i + LetterGramSize <= letters.Count; i++)
        {
            var hash = WordShingles.StartWord();
            for (var k = 0; k < LetterGramSize; k++)
            {
                hash = WordShingles.AddChar(hash, letters[i + k]);
            }

            grams.Add(hash);
        }

        return grams;
    }
}

/// <summary>All shingles of a set of prompts in one hash table, so one lookup per output word serves every prompt.</summary>
internal sealed class PromptIndex
{
    private const int FilterBits = 1 << 16;

    private readonly Dictionary<ulong, int> _firstOwner = [];

    // A 64 Kbit presence filter in front of the hash table: almost every shingle of an ordinary answer is rejected
    // with one bit test instead of a dictionary lookup, which is what keeps output scanning above 100 MB/s.
    private readonly ulong[] _filter = new ulong[FilterBits / 64];

    // The same for single words: a shingle is only looked up when each of its five words passes this filter.
    private readonly ulong[] _wordFilter = new ulong[FilterBits / 64];
    private readonly List<ShingleOwner> _owners = [];

    public PromptIndex(IReadOnlyList<PromptFingerprint> prompts)
    {
        Prompts = prompts;
        for (var p = 0; p < prompts.Count; p++)
        {
            Add(p, prompts[p].Shingles, rot13: false);
            Add(p, prompts[p].Rot13Shingles, rot13: true);
            foreach (var word in prompts[p].WordHashes)
            {
                var bit = WordFilterBit(word);
                _wordFilter[bit >> 6] |= 1UL << bit;
            }
        }
    }

    public IReadOnlyList<PromptFingerprint> Prompts { get; }

    public bool IsEmpty => _owners.Count == 0;

    public bool TryGetFirst(ulong shingle, out ShingleOwner owner)
    {
        var bit = FilterBit(shingle);
        if ((_filter[bit >> 6] & (1UL << bit)) != 0 && _firstOwner.TryGetValue(shingle, out var index))
        {
            owner = _owners[index];
            return true;
        }

        owner = default;
        return false;
    }

    /// <summary>False when no prompt has a word with this hash (<see cref="WordShingles.HashWord"/>); true may be a false positive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MayContainWord(ulong word)
    {
        var bit = WordFilterBit(word);
        return (_wordFilter[bit >> 6] & (1UL << bit)) != 0;
    }

    public ShingleOwner Next(ShingleOwner owner) => owner.Next < 0 ? default : _owners[owner.Next];

    private static int FilterBit(ulong shingle) => (int)(shingle >> 48);

    // FNV's low bits mix best; multiplying moves them to the top.
    private static int WordFilterBit(ulong word) => (int)((word * 0x9E3779B97F4A7C15) >> 48);

    private void Add(int prompt, List<ulong> shingles, bool rot13)
    {
        for (var ordinal = 0; ordinal < shingles.Count; ordinal++)
        {
            var next = _firstOwner.TryGetValue(shingles[ordinal], out var existing) ? existing : -1;
            _owners.Add(new ShingleOwner(prompt, ordinal, rot13, next, true));
            _firstOwner[shingles[ordinal]] = _owners.Count - 1;
            var bit = FilterBit(shingles[ordinal]);
            _filter[bit >> 6] |= 1UL << bit;
        }
    }
}

/// <summary>One prompt that contains a shingle; <see cref="Next"/> chains further owners of the same hash.</summary>
internal readonly record struct ShingleOwner(int Prompt, int Ordinal, bool Rot13, int Next, bool Exists);
