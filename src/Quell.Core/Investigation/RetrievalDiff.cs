using Quell.Calls;

namespace Quell.Investigation;

/// <summary>Documents and sources seen in one window and not the other, with how often.</summary>
public sealed record RetrievalDiffResult(
    IReadOnlyList<NamedCount> AppearedDocuments,
    IReadOnlyList<NamedCount> VanishedDocuments,
    IReadOnlyList<NamedCount> AppearedSources,
    IReadOnlyList<NamedCount> VanishedSources,
    double BeforeDocsPerCall,
    double AfterDocsPerCall);

/// <summary>A document id or source with how many times it was retrieved.</summary>
public sealed record NamedCount(string Name, int Count);

/// <summary>Compares what retrieval returned before and after an onset: which documents and sources came or went.</summary>
public static class RetrievalDiff
{
    /// <summary>A document's source: the part of its id before the first '/' or ':', else the owner tenant.</summary>
    public static string SourceOf(RetrievedDocument d)
    {
        var cut = d.Id.IndexOfAny(['/', ':']);
        return cut > 0 ? d.Id[..cut] : d.Tenant ?? "(unknown)";
    }

    public static RetrievalDiffResult Compare(IReadOnlyCollection<CallRecord> before, IReadOnlyCollection<CallRecord> after, int top = 20)
    {
        static Dictionary<string, int> Count(IEnumerable<string> keys) =>
            keys.GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var bDocs = Count(before.SelectMany(c => c.Retrieved).Select(d => d.Id));
        var aDocs = Count(after.SelectMany(c => c.Retrieved).Select(d => d.Id));
        var bSrc = Count(before.SelectMany(c => c.Retrieved).Select(SourceOf));
        var aSrc = Count(after.SelectMany(c => c.Retrieved).Select(SourceOf));
        static List<NamedCount> Only(Dictionary<string, int> x, Dictionary<string, int> y, int top) =>
            x.Where(p => !y.ContainsKey(p.Key)).OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(top).Select(p => new NamedCount(p.Key, p.Value)).ToList();
        return new RetrievalDiffResult(
            Only(aDocs, bDocs, top),
            Only(bDocs, aDocs, top),
            Only(aSrc, bSrc, top),
            Only(bSrc, aSrc, top),
            before.Count == 0 ? 0 : before.Sum(c => c.Retrieved.Count) / (double)before.Count,
            after.Count == 0 ? 0 : after.Sum(c => c.Retrieved.Count) / (double)after.Count);
    }
}
