using Quell.Calls;
using Quell.Scanning.Canaries;

namespace Quell.Isolation;

/// <summary>Decides whether a probe's answer stayed inside the asking tenant.</summary>
public static class IsolationVerdict
{
    public static (bool Passed, IReadOnlyList<string> LeakedFrom, string? Evidence) Judge(string tenant, string answer, IReadOnlyList<RetrievedDocument> retrieved, CanaryRegistry canaries, IReadOnlySet<string>? sharedTenants = null)
    {
        var leaked = new SortedSet<string>(StringComparer.Ordinal);
        string? evidence = null;
        foreach (var hit in canaries.FindAll(answer))
        {
            if (hit.Canary.Tenant != tenant)
            {
                leaked.Add(hit.Canary.Tenant);
                evidence ??= $"canary of {hit.Canary.Tenant} at offset {hit.Start}";
            }
        }

        foreach (var doc in retrieved)
        {
            if (doc.Tenant is { } owner && owner != tenant && !(sharedTenants?.Contains(owner) ?? false))
            {
                leaked.Add(owner);
                evidence ??= $"document {doc.Id} of {owner} retrieved";
            }
        }

        return (leaked.Count == 0, leaked.ToList(), evidence);
    }
}
