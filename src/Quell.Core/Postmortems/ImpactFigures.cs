using Quell.Calls;
using Quell.Incidents;

namespace Quell.Postmortems;

/// <summary>Counts an incident's impact from the calls of its feature in its window, falling back on the blast radius.</summary>
public static class ImpactFigures
{
    /// <summary>The window impact is counted over: onset (or detection) to resolution (or now).</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Window(Incident incident, DateTimeOffset now) =>
        (incident.OnsetAt ?? incident.DetectedAt, incident.ResolvedAt ?? now);

    public static PostmortemImpact From(Incident incident, IReadOnlyList<CallRecord> calls, DateTimeOffset now)
    {
        var (from, to) = Window(incident, now);
        var hit = calls.Where(c => c.Timestamp >= from && c.Timestamp <= to && (incident.Feature is null || c.Feature == incident.Feature)).ToList();
        var affected = incident.Category switch
        {
            SignalCategories.Data or SignalCategories.Abuse => hit.Where(c => c.Findings.Count > 0).ToList(),
            SignalCategories.Latency when hit.Any(c => c.IsError) => hit.Where(c => c.IsError).ToList(),
            _ => hit,
        };
        var blast = incident.Blast;
        return new PostmortemImpact
        {
            From = from,
            To = to,
            Calls = Math.Max(hit.Count, blast.Calls),
            ErrorCalls = hit.Count(c => c.IsError),
            FlaggedCalls = hit.Count(c => c.Findings.Count > 0),
            Users = Math.Max(affected.Select(c => c.User).Where(u => u is not null).Distinct(StringComparer.Ordinal).LongCount(), blast.Users),
            Tenants = Math.Max(affected.Select(c => c.Tenant).Where(u => u is not null).Distinct(StringComparer.Ordinal).LongCount(), blast.Tenants.Count),
            CostUsd = Math.Round(hit.Sum(c => c.CostUsd ?? 0), 4),
            Note = hit.Count == 0 && blast.Calls > 0 ? "the calls log no longer holds this window; figures are the blast radius at detection" : string.Empty,
        };
    }
}
