using System.Globalization;
using Quell.Response;

namespace Quell.Incidents;

/// <summary>Recurrence: an alert matching a resolved incident's signature reopens it inside the watch window, or opens a new incident linked to it after.</summary>
public sealed partial class IncidentManager
{
    /// <summary>The watch over resolved incidents; null turns recurrence handling off.</summary>
    public IRecurrenceWatch? Recurrence { get; init; }

    private IncidentChange OpenOrRecur(IncidentSignal signal, IReadOnlyDictionary<string, string> labels, DateTimeOffset now, IReadOnlyList<Silence> silences, IReadOnlyList<Incident> open)
    {
        if (Recurrence?.Find(signal, open, now) is not { } match)
        {
            return Open(signal, labels, now, silences);
        }

        var ago = Days(now - match.ResolvedAt);
        if (match.WithinWindow && match.Open is { State: IncidentState.Monitoring or IncidentState.Postmortem } old)
        {
            var joined = Join(old, signal, labels, now, silences, repeat: false);
            var draft = new Draft(joined.Incident);
            var from = joined.Incident.State;
            draft.Set(draft.Incident with
            {
                State = IncidentState.Detected,

                // A new episode: its detection is now, and acknowledgement and mitigation are still to come.
                ReopenedAt = now,
                ReopenOnsetAt = Min(signal.OnsetEstimate ?? signal.FiredAt, now),
                AcknowledgedAt = null,
                MitigatedAt = null,
                ResolvedAt = null,
                NotifyAt = now,
                Escalation = null,
                UpdatedAt = now,
            });
            draft.Add(now, TimelineKinds.Recurrence, TimelineKinds.System, $"recurred {ago} after resolution, inside the {Days(match.Window)} watch ({match.Why}): reopened ({from.Name()} → detected) and paging", new Dictionary<string, string>
            {
                ["outcome"] = "reopened",
                ["resolved_at"] = match.ResolvedAt.ToString("O", CultureInfo.InvariantCulture),
                ["onset"] = Min(signal.OnsetEstimate ?? signal.FiredAt, now).ToString("O", CultureInfo.InvariantCulture),
            });
            NotifyIfDue(draft, now, silences);
            var reopened = draft.ToChange(created: false);
            return reopened with { Timeline = [.. joined.Timeline, .. reopened.Timeline], Notifications = [.. joined.Notifications, .. reopened.Notifications] };
        }

        var opened = Open(signal, labels, now, silences);
        var linked = new Draft(opened.Incident with { Related = [match.IncidentId, .. opened.Incident.Related.Where(r => r != match.IncidentId)] });
        var why = match.WithinWindow ? "it is closed, so it stays closed" : $"after the {Days(match.Window)} watch";
        linked.Add(now, TimelineKinds.Recurrence, TimelineKinds.System, $"recurrence of {match.IncidentId}, resolved {ago} ago ({match.Why}); {why}: linked", new Dictionary<string, string>
        {
            ["outcome"] = "linked",
            ["incident"] = match.IncidentId,
        });
        var change = linked.ToChange(created: true);
        return change with { Timeline = [.. opened.Timeline, .. change.Timeline], Notifications = opened.Notifications };
    }

    private static string Days(TimeSpan t) => t.TotalDays >= 1 ? $"{t.TotalDays:0.#} days" : $"{t.TotalHours:0.#} h";
}
