using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;
using Quell.Server.Incidents;
using Quell.Server.Notifications;

namespace Quell.Demo;

/// <summary>Reads the incidents the demo opened and ties each scenario to the incident holding its alert.</summary>
public static class DemoIncidents
{
    public static async Task<IReadOnlyList<DemoIncident>> CollectAsync(IncidentService incidents, RecordingChannel pages, CancellationToken ct)
    {
        var list = await incidents.ListAsync(new IncidentQuery(Limit: 10_000), ct).ConfigureAwait(false);
        var pagesById = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var episodesById = new Dictionary<string, IReadOnlyList<Quell.Postmortems.ResponseFacts>>(StringComparer.Ordinal);
        foreach (var incident in list)
        {
            var timeline = await incidents.TimelineAsync(incident.Id, ct).ConfigureAwait(false);
            episodesById[incident.Id] = Quell.Postmortems.ResponseFacts.Episodes(incident, timeline);

            // Pages and escalations as the timeline tells them: who, when, through which channels.
            pagesById[incident.Id] = timeline
                .Where(e => e.Kind is TimelineKinds.Page or TimelineKinds.Escalation)
                .Select(e => $"{e.At:yyyy-MM-dd HH:mm} {e.Message}")
                .Distinct()
                .ToList();
        }

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
            AlertFingerprints = i.Alerts.Select(x => x.Fingerprint).Distinct().ToList(),
            Paged = pagesById[i.Id].Count > 0 ? pagesById[i.Id] : i.Pages.Select(p => $"{p.At:yyyy-MM-dd HH:mm} paged {p.User} ({p.Role}) via {string.Join(", ", p.Channels)}").ToList(),
            Notifications = pages.For(i.Id),
            Attribution = i.Attribution,
            Related = i.Related,
            Episodes = episodesById[i.Id],
        }).ToList();
    }

    public static IReadOnlyList<ScenarioOutcome> Attach(IReadOnlyList<ScenarioOutcome> outcomes, IReadOnlyList<DemoIncident> incidents, IReadOnlyDictionary<string, DemoTeam.FixOutcome> fixes)
    {
        var attached = outcomes.Select(o =>
        {
            // A re-fired alert (new id, same fingerprint) joins the incident its first firing opened.
            var incident = o.AlertId is null ? null : incidents.FirstOrDefault(i => i.AlertIds.Contains(o.AlertId))
                ?? incidents.FirstOrDefault(i => o.AlertFingerprint is not null && i.AlertFingerprints.Contains(o.AlertFingerprint));
            var fix = fixes.GetValueOrDefault(o.Name);
            return incident is null ? o : o with
            {
                IncidentId = incident.Id,
                Severity = incident.Severity,
                Paged = incident.Paged,
                TimeToAcknowledgeSeconds = incident.Episodes.Count > 1 && o.DetectedAt is { } at
                    ? incident.EpisodeNear(at)?.ToAcknowledge?.TotalSeconds is { } ack ? Math.Round(ack) : null
                    : incident.TimeToAcknowledgeSeconds,
                RegressionCases = fix?.RegressionCases,
                Verification = fix is null ? null : fix.Verified ? "passed" : "overridden",
                Postmortem = fix?.PostmortemPath,
                SimilarIncidents = incident.Related,
            };
        }).ToList();

        // A later occurrence either reopened an earlier scenario's incident or was linked to it.
        return attached.Select((o, k) =>
        {
            var earlier = attached.Take(k).FirstOrDefault(e => e.IncidentId is not null
                && (e.IncidentId == o.IncidentId || (o.SimilarIncidents.Contains(e.IncidentId) && e.Category == o.Category && e.Feature == o.Feature)));
            return earlier is null ? o : o with
            {
                Recurrence = earlier.IncidentId == o.IncidentId ? $"reopened {earlier.IncidentId} ({earlier.Name})" : $"linked to {earlier.IncidentId} ({earlier.Name})",
            };
        }).ToList();
    }

    public static IReadOnlyList<ScenarioOutcome> AttachMitigations(IReadOnlyList<ScenarioOutcome> outcomes, IReadOnlyList<Simulation.IScenario> scenarios, IReadOnlyDictionary<string, DemoTeam.MitigationOutcome> mitigated, IReadOnlyList<DemoIncident> incidents) =>
        outcomes.Select(o =>
        {
            var scenario = scenarios.First(s => s.Name == o.Name);
            var hits = (scenario as Simulation.ScenarioBase)?.Hits ?? [];
            var unit = (scenario as Simulation.ScenarioBase)?.DamageUnit;
            if (!mitigated.TryGetValue(o.Name, out var m))
            {
                // Nothing was applied: whatever the scenario damaged after its detection was never stopped.
                var unstopped = o.DetectedAt is { } at ? hits.Count(h => h >= at) : hits.Count;
                return o with { CauseChange = scenario.CauseChangeId, DamageUnit = unit, DamageBeforeMitigation = hits.Count - unstopped, DamageAfterMitigation = unstopped };
            }

            // A reopened incident's mitigation counts from the detection of the episode it was applied in, not the first one.
            var incident = incidents.FirstOrDefault(i => i.Id == m.IncidentId);
            var detected = m.AppliedAt is { } applied && incident?.EpisodeAt(applied) is { } episode ? episode.Detected.At : incident?.DetectedAt;

            // Hits are kept in the order the application made the calls: those after the count at the moment the app
            // obeyed the mitigation are calls that got past it (none once a scenario's fix has shipped: it stops hitting).
            var before = m.HitsWhenApplied ?? hits.Count(h => detected is null || h < detected);
            var after = hits.Count - before;
            var mitigation = new DemoMitigation
            {
                Kind = m.Kind,
                Description = m.Scope,
                Auto = m.Auto,
                ProposedAt = m.ProposedAt,
                AppliedAt = m.AppliedAt,
                TimeToMitigateSeconds = m.AppliedAt is { } a && detected is { } d ? Math.Round((a - d).TotalSeconds) : null,
                DamagedBefore = before,
                DamagedAfter = after,
                Runbook = m.Runbook,
                RunbookFindings = m.RunbookFindings,
                MitigationIds = m.MitigationIds,
                Renewals = m.Renewals,
                ExpectedEffects = m.ExpectedEffects,
            };
            return o with
            {
                DamageUnit = unit,
                DamageBeforeMitigation = before,
                DamageAfterMitigation = after,
                Mitigation = m.Kind is null ? null : mitigation,
                TopChange = m.TopChange,
                TopChangeSentence = m.TopChangeSentence,
                CauseChange = scenario.CauseChangeId,
                TopChangeCorrect = scenario.CauseChangeId is null ? null : m.TopChange == scenario.CauseChangeId,
            };
        }).ToList();
}
