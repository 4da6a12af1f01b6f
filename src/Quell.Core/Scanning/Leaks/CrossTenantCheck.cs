using Quell.Calls;

namespace Quell.Scanning.Leaks;

/// <summary>Flags retrieved documents owned by a tenant other than the caller's (shared tenants and unowned documents excepted).</summary>
public static class CrossTenantCheck
{
    public static void Find(string? tenant, IReadOnlyList<RetrievedDocument>? retrieved, IReadOnlySet<string> sharedTenants, List<ScanFinding> findings)
    {
        // Without the caller's tenant there is nothing to compare against; guessing would page people for nothing.
        if (string.IsNullOrEmpty(tenant) || retrieved is null)
        {
            return;
        }

        foreach (var document in retrieved)
        {
            var owner = document.Tenant;
            if (string.IsNullOrEmpty(owner) || sharedTenants.Contains(owner) || string.Equals(owner, tenant, StringComparison.Ordinal))
            {
                continue;
            }

            findings.Add(new ScanFinding(FindingKinds.CrossTenant, Entities.ForeignDocument, 0, 0, 1.0, $"document {document.Id} owned by {owner}", owner));
        }
    }
}
