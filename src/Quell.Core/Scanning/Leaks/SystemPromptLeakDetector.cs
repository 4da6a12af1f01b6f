using System.Collections.Concurrent;
using System.Globalization;

namespace Quell.Scanning.Leaks;

/// <summary>
/// Detects outputs that reproduce a system prompt verbatim or nearly so (word 5-gram overlap after normalisation),
/// also when spaced out letter by letter, base64-encoded or rot13-encoded.
/// </summary>
public sealed class SystemPromptLeakDetector
{
    private const int CallPromptCacheLimit = 512;

    private readonly SystemPromptLeakOptions _options;
    private readonly Lock _gate = new();
    private readonly List<PromptFingerprint> _registered = [];
    private readonly ConcurrentDictionary<string, PromptIndex> _callPrompts = new(StringComparer.Ordinal);
    private PromptIndex _registeredIndex = new([]);

    public SystemPromptLeakDetector(SystemPromptLeakOptions? options = null)
    {
        _options = options ?? SystemPromptLeakOptions.Default;
    }

    /// <summary>Registers a system prompt to protect, named e.g. "support_chat@v3" (feature and prompt version).</summary>
    public void Register(string name, string prompt)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(prompt);
        lock (_gate)
        {
            _registered.Add(new PromptFingerprint(name, prompt));
            _registeredIndex = new PromptIndex([.. _registered]);
        }
    }

    /// <summary>Appends a finding for each protected prompt that <paramref name="output"/> reproduces.</summary>
    public void Detect(ReadOnlySpan<char> output, string? callSystemPrompt, List<ScanFinding> findings)
    {
        var registered = Volatile.Read(ref _registeredIndex);
        if (!registered.IsEmpty)
        {
            DetectAgainst(output, registered, findings);
        }

        if (!string.IsNullOrWhiteSpace(callSystemPrompt))
        {
            DetectAgainst(output, CallPromptIndex(callSystemPrompt), findings);
        }
    }

    private PromptIndex CallPromptIndex(string prompt)
    {
        if (_callPrompts.TryGetValue(prompt, out var index))
        {
            return index;
        }

        // Many calls share a handful of prompts; a bounded cache avoids re-fingerprinting them on every call.
        if (_callPrompts.Count >= CallPromptCacheLimit)
        {
            _callPrompts.Clear();
        }

        index = new PromptIndex([new PromptFingerprint("system_prompt", prompt)]);
        _callPrompts.TryAdd(prompt, index);
        return index;
    }

    private void DetectAgainst(ReadOnlySpan<char> output, PromptIndex index, List<ScanFinding> findings)
    {
        var pass = new ShingleOverlapPass(index);
        pass.Run(output, collectSegments: true);
        foreach (var overlap in pass.Overlaps.Values)
        {
            TryReport(index.Prompts[overlap.Prompt], overlap, overlap.Rot13 ? "rot13" : "verbatim", overlap.Start, overlap.End, findings);
        }

        foreach (var (start, end) in pass.EncodedRuns ?? [])
        {
            var decoded = TextEncodings.TryDecodeBase64Text(output[start..end]);
            if (decoded is null)
            {
                continue;
            }

            var inner = new ShingleOverlapPass(index);
            inner.Run(decoded, collectSegments: false);
            foreach (var overlap in inner.Overlaps.Values)
            {
                TryReport(index.Prompts[overlap.Prompt], overlap, overlap.Rot13 ? "base64+rot13" : "base64", start, end, findings);
            }
        }

        foreach (var (start, end) in pass.SpacedRuns ?? [])
        {
            CheckSpaced(output, start, end, index, findings);
        }
    }

    private void TryReport(PromptFingerprint prompt, PromptOverlap overlap, string variant, int start, int end, List<ScanFinding> findings)
    {
        if (overlap.MatchedWords < _options.MinMatchedWords)
        {
            return;
        }

        var byOverlap = overlap.Overlap >= _options.MinOverlap;
        var byRun = overlap.LongestRunWords >= _options.LongRunWords;
        if (!byOverlap && !byRun)
        {
            return;
        }

        var score = Math.Round(Math.Max(overlap.Overlap, byRun ? 0.6 : 0), 2);
        var evidence = string.Create(CultureInfo.InvariantCulture, $"{variant} copy of {prompt.Name}: {overlap.Overlap:P0} of its 5-grams, longest run {overlap.LongestRunWords} words");
        findings.Add(new ScanFinding(FindingKinds.SystemPromptLeak, Entities.SystemPrompt, start, end, Math.Min(score, 1.0), evidence));
    }

    private void CheckSpaced(ReadOnlySpan<char> output, int start, int end, PromptIndex index, List<ScanFinding> findings)
    {
        var collapsed = TextEncodings.CollapseSpacedLetters(output[start..end]);
        var grams = PromptFingerprint.BuildLetterGrams(collapsed);
        foreach (var prompt in index.Prompts)
        {
            if (prompt.LetterGrams.Count == 0 || prompt.WordCount < _options.MinMatchedWords)
            {
                continue;
            }

            var shared = 0;
            foreach (var gram in grams)
            {
                if (prompt.LetterGrams.Contains(gram))
                {
                    shared++;
                }
            }

            var overlap = (double)shared / prompt.LetterGrams.Count;
            if (overlap >= _options.MinOverlap)
            {
                var evidence = string.Create(CultureInfo.InvariantCulture, $"spaced-out copy of {prompt.Name}: {overlap:P0} of its letters in sequence");
                findings.Add(new ScanFinding(FindingKinds.SystemPromptLeak, Entities.SystemPrompt, start, end, Math.Round(Math.Min(overlap, 1.0), 2), evidence));
            }
        }
    }
}
