using System.Runtime.CompilerServices;

namespace Quell.Scanning.Leaks;

/// <summary>
/// One pass over an output: hashes each word 5-gram, looks it up in the prompt index, tracks per-prompt overlap and
/// the longest verbatim run, and notes base64-looking and spaced-out stretches for a second look.
/// </summary>
internal sealed class ShingleOverlapPass
{
    private const int MinEncodedRun = 24;
    private const int MinSpacedLetters = 16;

    private readonly PromptIndex _index;
    private Dictionary<int, PromptOverlap>? _overlaps;

    public ShingleOverlapPass(PromptIndex index)
    {
        _index = index;
    }

    public IReadOnlyDictionary<int, PromptOverlap> Overlaps => _overlaps ?? (IReadOnlyDictionary<int, PromptOverlap>)EmptyOverlaps;

    public List<(int Start, int End)>? EncodedRuns { get; private set; }

    public List<(int Start, int End)>? SpacedRuns { get; private set; }

    private static Dictionary<int, PromptOverlap> EmptyOverlaps { get; } = [];

    public void Run(ReadOnlySpan<char> text, bool collectSegments)
    {
        Span<ulong> ring = stackalloc ulong[WordShingles.Size];
        Span<int> ringStarts = stackalloc int[WordShingles.Size];
        var wordIndex = 0;
        var i = 0;
        var encodedStart = -1;
        var spacedStart = -1;
        var spacedCount = 0;
        var lastWordEnd = -1;

        // Consecutive words that occur in some prompt: a shingle can only match when its five words all do, so the
        // shingle hash and its lookup are skipped for every other position (almost all of an ordinary answer).
        var promptWords = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (!WordShingles.IsWordChar(c))
            {
                if (collectSegments && c is not ('+' or '/' or '=' or '-' or '_'))
                {
                    CloseEncoded(ref encodedStart, i);
                }

                i++;
                continue;
            }

            if (collectSegments && encodedStart < 0)
            {
                encodedStart = i;
            }

            var start = i;
            var hash = WordShingles.HashWord(text, ref i);
            if (collectSegments)
            {
                TrackSpaced(text, start, i, lastWordEnd, ref spacedStart, ref spacedCount);
            }

            lastWordEnd = i;
            var slot = wordIndex % WordShingles.Size;
            ring[slot] = hash;
            ringStarts[slot] = start;
            promptWords = _index.MayContainWord(hash) ? promptWords + 1 : 0;
            if (promptWords >= WordShingles.Size)
            {
                var shingle = WordShingles.Combine(ring, slot);
                if (_index.TryGetFirst(shingle, out var owner))
                {
                    var shingleStart = ringStarts[(slot + 1) % WordShingles.Size];
                    for (; owner.Exists; owner = _index.Next(owner))
                    {
                        Record(owner, wordIndex, shingleStart, i);
                    }
                }
            }

            wordIndex++;
        }

        if (collectSegments)
        {
            CloseEncoded(ref encodedStart, text.Length);
            CloseSpaced(spacedStart, spacedCount, lastWordEnd);
        }
    }

    private void Record(ShingleOwner owner, int wordIndex, int start, int end)
    {
        _overlaps ??= [];
        var key = (owner.Prompt * 2) + (owner.Rot13 ? 1 : 0);
        if (!_overlaps.TryGetValue(key, out var overlap))
        {
            var prompt = _index.Prompts[owner.Prompt];
            overlap = new PromptOverlap(owner.Prompt, owner.Rot13, (owner.Rot13 ? prompt.Rot13Shingles : prompt.Shingles).Count);
            _overlaps[key] = overlap;
        }

        overlap.Add(owner.Ordinal, wordIndex, start, end);
    }

    private void CloseEncoded(ref int encodedStart, int end)
    {
        if (encodedStart >= 0 && end - encodedStart >= MinEncodedRun)
        {
            (EncodedRuns ??= []).Add((encodedStart, end));
        }

        encodedStart = -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void TrackSpaced(ReadOnlySpan<char> text, int start, int end, int lastWordEnd, ref int spacedStart, ref int spacedCount)
    {
        var single = end - start == 1;
        if (!single && spacedStart < 0)
        {
            // The common case, a word of two or more letters outside a spaced-out run: nothing to close or open.
            return;
        }

        if (single && spacedStart >= 0 && lastWordEnd >= 0 && start - lastWordEnd is >= 1 and <= 4 && !text[lastWordEnd..start].ContainsAny('\n', '\r'))
        {
            spacedCount++;
            return;
        }

        CloseSpaced(spacedStart, spacedCount, lastWordEnd);
        spacedStart = single ? start : -1;
        spacedCount = single ? 1 : 0;
    }

    private void CloseSpaced(int spacedStart, int spacedCount, int end)
    {
        if (spacedStart >= 0 && spacedCount >= MinSpacedLetters)
        {
            (SpacedRuns ??= []).Add((spacedStart, end));
        }
    }
}

/// <summary>How much of one prompt (or its rot13 form) an output reproduces, and where.</summary>
internal sealed class PromptOverlap
{
    private readonly bool[] _matched;
    private int _lastWordIndex = -2;
    private int _currentRun;

    public PromptOverlap(int prompt, bool rot13, int shingleCount)
    {
        Prompt = prompt;
        Rot13 = rot13;
        _matched = new bool[shingleCount];
    }

    public int Prompt { get; }

    public bool Rot13 { get; }

    public int MatchedShingles { get; private set; }

    public int LongestRunShingles { get; private set; }

    public int Start { get; private set; } = int.MaxValue;

    public int End { get; private set; }

    public double Overlap => _matched.Length == 0 ? 0 : (double)MatchedShingles / _matched.Length;

    /// <summary>Approximate count of reproduced words: each matched shingle adds one word beyond the first four.</summary>
    public int MatchedWords => MatchedShingles == 0 ? 0 : MatchedShingles + WordShingles.Size - 1;

    public int LongestRunWords => LongestRunShingles == 0 ? 0 : LongestRunShingles + WordShingles.Size - 1;

    public void Add(int ordinal, int wordIndex, int start, int end)
    {
        if (!_matched[ordinal])
        {
            _matched[ordinal] = true;
            MatchedShingles++;
        }

        _currentRun = wordIndex == _lastWordIndex + 1 ? _currentRun + 1 : (wordIndex == _lastWordIndex ? _currentRun : 1);
        _lastWordIndex = wordIndex;
        LongestRunShingles = Math.Max(LongestRunShingles, _currentRun);
        Start = Math.Min(Start, start);
        End = Math.Max(End, end);
    }
}
