using Quell.Incidents;
using Quell.Response;

namespace Quell.Server.Incidents;

/// <summary>Puts playbook events (runbook findings, mitigation changes, replays) on the incident's own timeline.</summary>
public sealed class IncidentTimelineAdapter(IncidentService incidents) : IIncidentTimeline
{
    public async Task AppendAsync(string incidentId, string kind, string actor, string text, object? data, CancellationToken cancellationToken = default) =>
        await incidents.ExecuteAsync(incidentId, (m, i) => m.Record(i, kind, text, actor), cancellationToken).ConfigureAwait(false);
}
