using Quell.Scanning;

namespace Quell.Investigation;

/// <summary>An original output next to its replay: how alike they are and what the scanners find in each.</summary>
public sealed record ReplayComparisonResult(double Similarity, IReadOnlyList<string> OriginalFindings, IReadOnlyList<string> ReplayFindings)
{
    /// <summary>Findings (kind:entity) only in the original: what the replay no longer does.</summary>
    public IReadOnlyList<string> Gone => OriginalFindings.Except(ReplayFindings, StringComparer.Ordinal).ToList();

    /// <summary>Findings only in the replay: what the replay newly does.</summary>
    public IReadOnlyList<string> New => ReplayFindings.Except(OriginalFindings, StringComparer.Ordinal).ToList();

    public bool Differs => Similarity < 0.8 || Gone.Count > 0 || New.Count > 0;
}

/// <summary>Compares original and replayed outputs with the content scanners and a word-set similarity.</summary>
public static class ReplayComparison
{
    public static ReplayComparisonResult Compare(string? original, string? replayed, ContentScanner scanner, string? tenant = null, string? input = null, string? systemPrompt = null)
    {
        IReadOnlyList<string> Findings(string? text) => string.IsNullOrEmpty(text)
            ? []
            : scanner.ScanOutput(text, tenant, input, systemPrompt).Findings.Select(f => $"{f.Kind}:{f.Entity}").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new ReplayComparisonResult(Similarity(original, replayed), Findings(original), Findings(replayed));
    }

    /// <summary>Jaccard similarity of the lower-cased word sets, in 0..1 (1 for two empty texts).</summary>
    public static double Similarity(string? a, string? b)
    {
        static HashSet<string> Words(string? t) => (t ?? "").ToLowerInvariant()
            .Split([' ', '\n', '\r', '\t', '.', ',', ';', ':', '!', '?', '"', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .ToHashSet(StringComparer.Ordinal);
        var x = Words(a);
        var y = Words(b);
        if (x.Count == 0 && y.Count == 0)
        {
            return 1;
        }

        var inter = x.Count(y.Contains);
        return inter / (double)(x.Count + y.Count - inter);
    }
}
