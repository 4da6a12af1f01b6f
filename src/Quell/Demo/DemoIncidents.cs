using Quell.Incidents;
using Quell.Notifications;

namespace Quell.Demo;

/// <summary>Reads the incidents the demo opened and ties each scenario to the incident holding its alert.</summary>
public static class DemoIncidents
{
    public static async Task<IReadOnlyList<DemoIncident>> CollectAsync(IncidentService incidents, RecordingChannel pages, CancellationToken ct)
    {
        var list = await incidents.ListAsync(new IncidentQuery(Limit: 10_000), ct).ConfigureAwait(false);
        return list.OrderBy(i => i.DetectedAt).Select(i => new DemoIncident
        {
            Id = i.Id,
            Title = i.Title,
            Category = i.Category,
            Severity = i.Severity.ToString(),
            SeverityReason = i.SeverityReason,
            State = i.State.ToString().ToLowerInvariant(),
            Feature = i.Feature,
            DetectedAt = i.DetectedAt,
            AcknowledgedAt = i.AcknowledgedAt,
            TimeToDetectSeconds = i.Timings.ToDetect?.TotalSeconds is { } d ? Math.Round(d) : null,
            TimeToAcknowledgeSeconds = i.Timings.ToAcknowledge?.TotalSeconds is { } a ? Math.Round(a) : null,
            Alerts = i.Alerts.Count,
            AlertIds = i.Alerts.Select(x => x.AlertId).ToList(),
            Paged = i.Pages.Select(p => $"{p.User} ({p.Role}) at {p.At:yyyy-MM-dd HH:mm} via {string.Join(", ", p.Channels)}").ToList(),
            Notifications = pages.For(i.Id),
            Attribution = i.Attribution,
        }).ToList();
    }

    public static IReadOnlyList<ScenarioOutcome> Attach(IReadOnlyList<ScenarioOutcome> outcomes, IReadOnlyList<DemoIncident> incidents) =>
        outcomes.Select(o =>
        {
            // Alert ids are "al-{fingerprint}-{fired}": a re-fired alert joins the incident by fingerprint.
            var fingerprint = o.AlertId is { } id && id.LastIndexOf('-') is var cut and > 3 ? id[..cut] : null;
            var incident = o.AlertId is null ? null : incidents.FirstOrDefault(i => i.AlertIds.Contains(o.AlertId))
                ?? incidents.FirstOrDefault(i => fingerprint is not null && i.AlertIds.Any(a => a.StartsWith(fingerprint, StringComparison.Ordinal)));
            return incident is null ? o : o with
            {
                IncidentId = incident.Id,
                Severity = incident.Severity,
                Paged = incident.Paged,
                TimeToAcknowledgeSeconds = incident.TimeToAcknowledgeSeconds,
            };
        }).ToList();
}
