using System.Buffers;

namespace Quell.Scanning.Canaries;

/// <summary>
/// Finds every occurrence of many fixed strings in one left-to-right pass (Aho–Corasick), so the cost is linear in
/// the text whatever the number of patterns. While the automaton sits at its root it jumps ahead with a vectorised
/// search for the patterns' first characters, which keeps ordinary prose close to memchr speed.
/// </summary>
public sealed class AhoCorasickAutomaton
{
    private readonly Dictionary<long, int> _edges = [];
    private readonly List<int> _fail = [0];
    private readonly List<int> _output = [-1];
    private readonly List<int> _outputLink = [0];
    private readonly int[] _patternLengths;
    private readonly SearchValues<char> _firstChars;

    public AhoCorasickAutomaton(IReadOnlyList<string> patterns)
    {
        _patternLengths = new int[patterns.Count];
        var firstChars = new HashSet<char>();
        for (var p = 0; p < patterns.Count; p++)
        {
            var pattern = patterns[p];
            if (pattern.Length == 0)
            {
                throw new ArgumentException("Patterns must not be empty.", nameof(patterns));
            }

            _patternLengths[p] = pattern.Length;
            firstChars.Add(pattern[0]);
            var state = 0;
            foreach (var c in pattern)
            {
                if (!_edges.TryGetValue(Key(state, c), out var next))
                {
                    next = _fail.Count;
                    _fail.Add(0);
                    _output.Add(-1);
                    _outputLink.Add(0);
                    _edges[Key(state, c)] = next;
                }

                state = next;
            }

            _output[state] = p;
        }

        _firstChars = SearchValues.Create([.. firstChars]);
        BuildFailureLinks(patterns);
    }

    public int PatternCount => _patternLengths.Length;

    /// <summary>Reports every (pattern index, start offset) occurrence to <paramref name="matches"/>, overlapping ones included.</summary>
    public void FindAll(ReadOnlySpan<char> text, List<(int Pattern, int Start)> matches)
    {
        if (_patternLengths.Length == 0)
        {
            return;
        }

        var state = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (state == 0)
            {
                var skip = text[i..].IndexOfAny(_firstChars);
                if (skip < 0)
                {
                    return;
                }

                i += skip;
            }

            state = Step(state, text[i]);
            for (var s = _output[state] >= 0 ? state : _outputLink[state]; s != 0; s = _outputLink[s])
            {
                var pattern = _output[s];
                matches.Add((pattern, i + 1 - _patternLengths[pattern]));
            }

            i++;
        }
    }

    private int Step(int state, char c)
    {
        while (true)
        {
            if (_edges.TryGetValue(Key(state, c), out var next))
            {
                return next;
            }

            if (state == 0)
            {
                return 0;
            }

            state = _fail[state];
        }
    }

    private void BuildFailureLinks(IReadOnlyList<string> patterns)
    {
        // Breadth-first over the trie, walking each pattern's prefixes again instead of storing child lists.
        var seen = new bool[_fail.Count];
        var byDepth = new List<(int State, int Parent, char Via)>[patterns.Select(p => p.Length).DefaultIfEmpty(0).Max() + 1];
        foreach (var pattern in patterns)
        {
            var state = 0;
            for (var d = 0; d < pattern.Length; d++)
            {
                var next = _edges[Key(state, pattern[d])];
                if (!seen[next])
                {
                    seen[next] = true;
                    (byDepth[d + 1] ??= []).Add((next, state, pattern[d]));
                }

                state = next;
            }
        }

        for (var d = 1; d < byDepth.Length; d++)
        {
            foreach (var (state, parent, via) in byDepth[d] ?? [])
            {
                var fail = parent == 0 ? 0 : Step(_fail[parent], via);
                _fail[state] = fail;
                _outputLink[state] = _output[fail] >= 0 ? fail : _outputLink[fail];
            }
        }
    }

    private static long Key(int state, char c) => ((long)state << 16) | c;
}
