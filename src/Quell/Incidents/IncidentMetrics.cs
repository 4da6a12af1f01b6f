using System.Diagnostics.Metrics;
using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;

namespace Quell.Server.Incidents;

/// <summary>
/// What an SRE alerts on in Quell's own paging: incidents opened, escalations, notifications delivered, retried and
/// failed per channel and action, and the outbox backlog (how many are waiting and for how long).
/// </summary>
public sealed class IncidentMetrics
{
    private readonly Counter<long> _opened;
    private readonly Counter<long> _escalations;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _failed;
    private readonly INotificationOutbox _outbox;
    private readonly TimeProvider _time;

    public IncidentMetrics(Meter meter, INotificationOutbox outbox, TimeProvider time)
    {
        _outbox = outbox;
        _time = time;
        _opened = meter.CreateCounter<long>("quell_incidents_opened", "{incident}", "Incidents opened, by category and severity at opening.");
        _escalations = meter.CreateCounter<long>("quell_escalations", "{escalation}", "Escalation steps taken because nobody acknowledged, by policy; outcome exhausted when the policy ran out.");
        _delivered = meter.CreateCounter<long>("quell_notifications_delivered", "{notification}", "Notifications a channel accepted, by channel and action (trigger is a page).");
        _retried = meter.CreateCounter<long>("quell_notifications_retried", "{attempt}", "Delivery attempts that failed and will be tried again, by channel and action.");
        _failed = meter.CreateCounter<long>("quell_notifications_failed", "{notification}", "Notifications given up on (refused, or out of attempts), by channel and action.");
        meter.CreateObservableGauge("quell_outbox_pending", () => Backlog().Pending, "{notification}", "Notifications waiting to be delivered.");
        meter.CreateObservableGauge("quell_outbox_oldest_pending_age_seconds", () => Backlog() is { OldestCreatedAt: { } oldest } ? Math.Max(0, (_time.GetUtcNow() - oldest).TotalSeconds) : 0, "s", "Age of the oldest notification still waiting; 0 when none is.");
    }

    /// <summary>Counts what a committed batch of incident changes decided.</summary>
    public void Committed(IReadOnlyList<IncidentChange> changes)
    {
        foreach (var change in changes)
        {
            if (change.Created)
            {
                _opened.Add(1, new KeyValuePair<string, object?>("category", change.Incident.Category), new KeyValuePair<string, object?>("severity", change.Incident.Severity.ToString()));
            }

            foreach (var entry in change.Timeline)
            {
                if (entry.Kind == TimelineKinds.Escalation)
                {
                    var outcome = entry.Data?.ContainsKey("user") == true ? "paged" : "exhausted";
                    _escalations.Add(1, new KeyValuePair<string, object?>("policy", change.Incident.Escalation?.Policy ?? string.Empty), new KeyValuePair<string, object?>("outcome", outcome));
                }
            }
        }
    }

    /// <summary>Counts one delivery attempt's outcome.</summary>
    public void Attempted(Notification notification, OutboxStatus status)
    {
        var channel = new KeyValuePair<string, object?>("channel", notification.Channel);
        var action = new KeyValuePair<string, object?>("action", notification.Message.Action.ToString().ToLowerInvariant());
        (status switch
        {
            OutboxStatus.Delivered => _delivered,
            OutboxStatus.Pending => _retried,
            _ => _failed,
        }).Add(1, channel, action);
    }

    // Read when /metrics is scraped (every 15 s or so): one indexed count over the pending rows.
    private OutboxBacklog Backlog() => _outbox.BacklogAsync().GetAwaiter().GetResult();
}
