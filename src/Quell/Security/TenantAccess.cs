using System.Security.Claims;
using Quell.Calls;
using Quell.Ingest;

namespace Quell.Security;

/// <summary>Which tenants a key may write for (a pinned ingest key) and read (a key limited to tenants).</summary>
public static class TenantAccess
{
    /// <summary>
    /// For a key pinned to a tenant: records without a tenant are written as that tenant's, records of another tenant
    /// are refused with a field error. Unpinned keys pass the batch through unchanged.
    /// </summary>
    public static DecodedBatch<CallRecord> Pin(ClaimsPrincipal user, DecodedBatch<CallRecord> batch)
    {
        if (user.PinnedTenant() is not { } tenant)
        {
            return batch;
        }

        // Record k of the batch came from the k-th input index that is not an error (exact when nothing was skipped).
        var failed = batch.Errors.Select(e => e.Index).ToHashSet();
        var inputIndex = -1;
        var kept = new List<CallRecord>(batch.Records.Count);
        var errors = batch.Errors.ToList();
        foreach (var record in batch.Records)
        {
            do
            {
                inputIndex++;
            }
            while (failed.Contains(inputIndex));

            if (record.Tenant is null)
            {
                kept.Add(record with { Tenant = tenant });
            }
            else if (string.Equals(record.Tenant, tenant, StringComparison.Ordinal))
            {
                kept.Add(record);
            }
            else
            {
                errors.Add(new RecordError(batch.Skipped == 0 ? inputIndex : -1, "tenant", $"this API key writes only for tenant '{tenant}', not '{record.Tenant}'", record.Id));
            }
        }

        return kept.Count == batch.Records.Count ? batch : batch with { Records = kept, Errors = errors.OrderBy(e => e.Index).ToList() };
    }

    /// <summary>Whether this caller may read data of a tenant; data without a tenant is readable only by unlimited keys.</summary>
    public static bool MayRead(ClaimsPrincipal user, string? tenant)
    {
        var allowed = user.ReadTenants();
        return allowed.Count == 0 || (tenant is not null && allowed.Contains(tenant, StringComparer.Ordinal));
    }
}
