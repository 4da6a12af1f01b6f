using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;

namespace Quell.Server.Incidents;

/// <summary>Builds the incident changes fix-and-learn writes: a timeline entry with data, optionally notifications on the incident's channels.</summary>
public static class IncidentRecorder
{
    public static CommandResult Entry(Incident incident, DateTimeOffset now, string kind, string actor, string text, IReadOnlyDictionary<string, string>? data = null, Func<Incident, Incident>? update = null) =>
        new(new IncidentChange((update ?? (i => i))(incident with { UpdatedAt = now }), false, [new TimelineEntry(incident.Id, now, kind, actor, text) { Data = data }], []), null);

    /// <summary>An update notification (reminder) to every channel that heard of the incident, or the log when none did.</summary>
    public static CommandResult Notify(Incident incident, DateTimeOffset now, string kind, string text, IReadOnlyDictionary<string, string> data)
    {
        var heard = IncidentManager.UpdateChannels(incident);
        var channels = heard.Count > 0 ? heard : [OnCall.ChannelAliases.Log];
        var seq = incident.NotificationSeq;
        var notifications = new List<Notification>();
        foreach (var channel in channels)
        {
            seq++;
            notifications.Add(new Notification($"{incident.Id}-n{seq}", incident.Id, channel, new NotificationMessage
            {
                IncidentId = incident.Id,
                Action = NotificationAction.Update,
                Severity = incident.Severity,
                State = incident.State,
                Title = incident.Title,
                Summary = incident.Summary,
                Category = incident.Category,
                Feature = incident.Feature,
                Recipient = incident.Commander ?? incident.Assignee,
                Text = text,
                Labels = incident.Labels,
                At = now,
            }, now));
        }

        var entry = new TimelineEntry(incident.Id, now, kind, TimelineKinds.System, $"{text} (via {string.Join(", ", channels)})") { Data = data };
        return new CommandResult(new IncidentChange(incident with { NotificationSeq = seq, UpdatedAt = now }, false, [entry], notifications), null);
    }
}
