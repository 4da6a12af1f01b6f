using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;

namespace Quell.Incidents;

/// <summary>Responder commands: acknowledge, assign, set severity, note, transition, resolve, close.</summary>
public sealed partial class IncidentManager
{
    public CommandResult Acknowledge(Incident incident, string by) =>
        incident.State == IncidentState.Detected
            ? Transition(incident, IncidentState.Acknowledged, by, null)
            : CommandResult.Refused("state", $"incident {incident.Id} is already acknowledged (it is {incident.State.Name()})", conflict: true);

    public CommandResult Resolve(Incident incident, string by, string? note) => Transition(incident, IncidentState.Monitoring, by, note);

    public CommandResult Close(Incident incident, string by, string? note = null) => Transition(incident, IncidentState.Closed, by, note);

    public CommandResult Transition(Incident incident, IncidentState to, string by, string? note)
    {
        if (RequireActor(by) is { } bad)
        {
            return bad;
        }

        var from = incident.State;
        if (IncidentLifecycle.Refusal(from, to) is { } why)
        {
            return CommandResult.Refused("to", $"cannot move incident {incident.Id} from {from.Name()} to {to.Name()}: {why}", conflict: true);
        }

        var now = _time.GetUtcNow();
        var i = incident with { State = to, UpdatedAt = now };
        if (from == IncidentState.Detected)
        {
            // Any move out of detected is an acknowledgement: escalation stops, a pending first page is withdrawn.
            i = i with
            {
                AcknowledgedAt = i.AcknowledgedAt ?? now,
                Commander = i.Commander ?? by,
                NotifyAt = null,
                Escalation = i.Escalation is { } e ? e with { NextAt = null } : null,
            };
        }

        if (to >= IncidentState.Investigating && from <= IncidentState.Mitigating)
        {
            i = i with { MitigatedAt = i.MitigatedAt ?? now };
        }

        if (to == IncidentState.Monitoring)
        {
            i = i with { ResolvedAt = now };
        }
        else if (from == IncidentState.Monitoring && to.IsActive())
        {
            i = i with { ResolvedAt = null };
        }

        if (to == IncidentState.Closed)
        {
            i = i with { ClosedAt = now };
        }

        var draft = new Draft(i);
        draft.Add(now, TimelineKinds.Transition, by, $"{from.Name()} → {to.Name()} by {by}{(string.IsNullOrWhiteSpace(note) ? string.Empty : ": " + note.Trim())}", new Dictionary<string, string> { ["from"] = from.Name(), ["to"] = to.Name() });
        if (from == IncidentState.Detected && i.NotifiedChannels.Count > 0)
        {
            Broadcast(draft, now, NotificationAction.Acknowledge, i.NotifiedChannels, $"acknowledged by {by}");
        }

        if (to == IncidentState.Monitoring)
        {
            NotifyResolution(draft, now, by);
        }

        return new CommandResult(draft.ToChange(created: false), null);
    }

    public CommandResult Assign(Incident incident, string? commander, string? assignee, string by)
    {
        if (RequireActor(by) is { } bad)
        {
            return bad;
        }

        if (string.IsNullOrWhiteSpace(commander) && string.IsNullOrWhiteSpace(assignee))
        {
            return CommandResult.Refused("commander", "give a commander, an assignee or both");
        }

        if (incident.State == IncidentState.Closed)
        {
            return CommandResult.Refused("state", $"incident {incident.Id} is closed", conflict: true);
        }

        var now = _time.GetUtcNow();
        var i = incident with
        {
            Commander = string.IsNullOrWhiteSpace(commander) ? incident.Commander : commander.Trim(),
            Assignee = string.IsNullOrWhiteSpace(assignee) ? incident.Assignee : assignee.Trim(),
            UpdatedAt = now,
        };
        var draft = new Draft(i);
        draft.Add(now, TimelineKinds.Assignment, by, $"commander {i.Commander ?? "-"}, assignee {i.Assignee ?? "-"} (set by {by})");
        if (i.Commander != incident.Commander || i.Assignee != incident.Assignee)
        {
            // Whoever heard of the incident hears who has it now; on personal channels the new owner is told directly.
            var owner = i.Assignee != incident.Assignee ? i.Assignee : i.Commander;
            var text = $"reassigned by {by}: commander {i.Commander ?? "-"}, assignee {i.Assignee ?? "-"}";
            var channels = UpdateChannels(i);
            foreach (var channel in channels)
            {
                draft.Notify(this, now, channel, NotificationAction.Update, ChannelAliases.IsPersonal(channel) ? owner : null, ChannelAliases.IsPersonal(channel) ? "assignee" : null, text);
            }

            if (channels.Count > 0)
            {
                draft.Add(now, TimelineKinds.Notification, TimelineKinds.System, $"{text} (via {string.Join(", ", channels)})");
            }
        }

        return new CommandResult(draft.ToChange(created: false), null);
    }

    public CommandResult SetSeverity(Incident incident, Severity severity, string reason, string by)
    {
        if (RequireActor(by) is { } bad)
        {
            return bad;
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            return CommandResult.Refused("reason", "say why the severity changes");
        }

        if (incident.State == IncidentState.Closed)
        {
            return CommandResult.Refused("state", $"incident {incident.Id} is closed", conflict: true);
        }

        if (severity == incident.Severity)
        {
            return CommandResult.Refused("severity", $"incident {incident.Id} is already {severity}", conflict: true);
        }

        var now = _time.GetUtcNow();
        var computed = _policy.Severity.Evaluate(_policy.Audience(incident.Feature), incident.Category, incident.Blast, incident.Labels).Severity;
        var old = incident.Severity;
        var draft = new Draft(incident with { Severity = severity, SeverityReason = $"set by {by}: {reason.Trim()}", OverrideBaseline = computed, UpdatedAt = now });
        draft.Add(now, TimelineKinds.Severity, by, $"severity {old} → {severity} by {by}: {reason.Trim()}");
        if (severity < old)
        {
            OnSeverityRaised(draft, now);
        }

        return new CommandResult(draft.ToChange(created: false), null);
    }

    public CommandResult AddNote(Incident incident, string text, string by) => Record(incident, TimelineKinds.Note, text, by);

    /// <summary>Puts anything a responder or another part of Quell did (a mitigation, a runbook step) on the timeline.</summary>
    public CommandResult Record(Incident incident, string kind, string text, string by)
    {
        if (RequireActor(by) is { } bad)
        {
            return bad;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return CommandResult.Refused("text", "the note is empty");
        }

        var now = _time.GetUtcNow();
        var draft = new Draft(incident with { UpdatedAt = now });
        draft.Add(now, kind, by, text.Trim());
        return new CommandResult(draft.ToChange(created: false), null);
    }

    private void NotifyResolution(Draft draft, DateTimeOffset now, string by)
    {
        var i = draft.Incident;
        var paged = i.Pages.Select(p => p.User).Distinct(StringComparer.Ordinal).ToList();
        var text = paged.Count == 0 ? $"resolved by {by}" : $"resolved by {by}; notifying {string.Join(", ", paged)} who were paged";
        foreach (var channel in i.NotifiedChannels)
        {
            if (ChannelAliases.IsPersonal(channel) && paged.Count > 0)
            {
                foreach (var user in paged)
                {
                    draft.Notify(this, now, channel, NotificationAction.Resolve, user, i.Pages.First(p => p.User == user).Role, $"resolved by {by}");
                }
            }
            else
            {
                draft.Notify(this, now, channel, NotificationAction.Resolve, null, null, text);
            }
        }

        if (i.NotifiedChannels.Count > 0)
        {
            draft.Add(now, TimelineKinds.Notification, TimelineKinds.System, $"{text} (via {string.Join(", ", i.NotifiedChannels)})");
        }
    }

    private static CommandResult? RequireActor(string by) =>
        string.IsNullOrWhiteSpace(by) ? CommandResult.Refused("by", "say who is acting (by)") : null;
}
