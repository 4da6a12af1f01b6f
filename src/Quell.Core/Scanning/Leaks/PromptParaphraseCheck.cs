using System.Collections.Concurrent;
using System.Globalization;
using Quell.Scanning.Embeddings;

namespace Quell.Scanning.Leaks;

/// <summary>
/// Finds long system prompts retold in other words: each prompt sentence counts as revealed when some clause of the
/// output means nearly the same (cosine of sentence embeddings at or above <see cref="SystemPromptLeakOptions.ParaphraseSimilarity"/>),
/// and the output leaks the prompt when enough of its sentences are revealed. A cheap word-overlap gate keeps the
/// sentence model away from outputs that share little vocabulary with the prompt.
/// </summary>
public sealed class PromptParaphraseCheck
{
    private const int CacheLimit = 256;
    private const int MaxOutputClauses = 48;
    private const int MinClauseWords = 3;

    private readonly Lazy<ISentenceEmbedder?> _embedder;
    private readonly SystemPromptLeakOptions _options;
    private readonly ConcurrentDictionary<string, PromptSentences?> _prompts = new(StringComparer.Ordinal);
    private long _checked;
    private long _embedded;

    public PromptParaphraseCheck(Func<ISentenceEmbedder?> embedder, SystemPromptLeakOptions? options = null)
    {
        _embedder = new Lazy<ISentenceEmbedder?>(embedder, LazyThreadSafetyMode.ExecutionAndPublication);
        _options = options ?? SystemPromptLeakOptions.Default;
    }

    /// <summary>Outputs checked against a long prompt, and how many of them passed the gate to the sentence model.</summary>
    public (long Checked, long Embedded) Counts => (Interlocked.Read(ref _checked), Interlocked.Read(ref _embedded));

    public void Detect(string output, string name, string prompt, List<ScanFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(findings);
        var sentences = Prompt(prompt);
        if (sentences is null)
        {
            return;
        }

        Interlocked.Increment(ref _checked);
        var outputWords = ContentWords(output);
        var shared = sentences.Words.Count(outputWords.Contains);
        if (shared < _options.ParaphraseWordGate * sentences.Words.Count || _embedder.Value is not { } embedder)
        {
            return;
        }

        Interlocked.Increment(ref _embedded);
        sentences.Vectors ??= embedder.Embed(sentences.Texts);
        var clauses = Clauses(output);
        if (clauses.Count == 0)
        {
            return;
        }

        var vectors = embedder.Embed([.. clauses.Select(c => c.Text)]);
        var covered = 0;
        int start = int.MaxValue, end = 0;
        foreach (var p in sentences.Vectors)
        {
            var best = -1.0;
            var bestClause = -1;
            for (var c = 0; c < vectors.Length; c++)
            {
                var cos = Dot(p, vectors[c]);
                if (cos > best)
                {
                    best = cos;
                    bestClause = c;
                }
            }

            if (best >= _options.ParaphraseSimilarity)
            {
                covered++;
                start = Math.Min(start, clauses[bestClause].Start);
                end = Math.Max(end, clauses[bestClause].End);
            }
        }

        var coverage = covered / (double)sentences.Texts.Length;
        if (covered >= 2 && coverage >= _options.ParaphraseCoverage)
        {
            var evidence = string.Create(CultureInfo.InvariantCulture, $"paraphrase of {name}: {covered} of its {sentences.Texts.Length} sentences retold (cosine ≥ {_options.ParaphraseSimilarity:0.00})");
            findings.Add(new ScanFinding(FindingKinds.SystemPromptLeak, Entities.SystemPrompt, start, end, Math.Round(Math.Min(1.0, 0.5 + (coverage / 2)), 2), evidence));
        }
    }

    private PromptSentences? Prompt(string prompt)
    {
        if (_prompts.TryGetValue(prompt, out var sentences))
        {
            return sentences;
        }

        if (_prompts.Count >= CacheLimit)
        {
            _prompts.Clear();
        }

        var texts = Clauses(prompt, sentencesOnly: true).Select(c => c.Text).ToArray();
        sentences = texts.Length >= _options.ParaphraseMinSentences ? new PromptSentences(texts, ContentWords(prompt)) : null;
        _prompts.TryAdd(prompt, sentences);
        return sentences;
    }

    /// <summary>Sentences (or, for outputs, also clauses between commas) of at least three words, with their offsets.</summary>
    internal static List<(string Text, int Start, int End)> Clauses(string text, bool sentencesOnly = false)
    {
        var list = new List<(string, int, int)>();
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            var boundary = i == text.Length || text[i] == '\n'
                || (text[i] is '.' or '!' or '?' or ';' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1])))
                || (!sentencesOnly && text[i] is ',' or ':' or '(' or ')');
            if (!boundary)
            {
                continue;
            }

            var piece = text[start..i].Trim();
            if (piece.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= MinClauseWords && list.Count < MaxOutputClauses)
            {
                list.Add((piece, start, i));
            }

            start = i + 1;
        }

        return list;
    }

    private static HashSet<string> ContentWords(string text)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !char.IsLetter(text[i]))
            {
                i++;
            }

            var from = i;
            while (i < text.Length && char.IsLetter(text[i]))
            {
                i++;
            }

            // Words of five letters or more carry the topic; shorter ones are mostly function words.
            if (i - from >= 5)
            {
                words.Add(text[from..i].ToLowerInvariant());
            }
        }

        return words;
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * (double)b[i];
        }

        return s;
    }

    private sealed class PromptSentences(string[] texts, HashSet<string> words)
    {
        public string[] Texts { get; } = texts;

        public HashSet<string> Words { get; } = words;

        public float[][]? Vectors { get; set; }
    }
}
