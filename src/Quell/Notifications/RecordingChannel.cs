using System.Collections.Concurrent;
using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;

namespace Quell.Server.Notifications;

/// <summary>
/// The local "log" channel: with no external channel configured every notification lands here. It keeps the lines in
/// memory (newest 10,000) and writes them to the log, e.g. "inc-…: paged alice (primary) via log".
/// The demo reads <see cref="Lines"/> or <see cref="For"/> to show who was paged and when.
/// </summary>
public sealed class RecordingChannel(TimeProvider time, ILogger<RecordingChannel>? logger = null) : INotificationSender
{
    private readonly ConcurrentQueue<RecordedNotification> _lines = new();

    public IReadOnlyList<RecordedNotification> Lines => _lines.ToArray();

    public bool Handles(string channel) => channel == ChannelAliases.Log;

    /// <summary>What was recorded for one incident, in order.</summary>
    public IReadOnlyList<string> For(string incidentId) => _lines.Where(l => l.IncidentId == incidentId).Select(l => l.Text).ToList();

    public Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        var line = new RecordedNotification(notification.Id, m.IncidentId, m.Action, m.Recipient, m.Role, m.Text, time.GetUtcNow());
        _lines.Enqueue(line);
        while (_lines.Count > 10_000 && _lines.TryDequeue(out _))
        {
        }

        if (logger is not null && logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("{Incident} [{Severity}] {Text}", m.IncidentId, m.Severity, m.Text);
        }
        return Task.FromResult(DeliveryResult.Delivered(null, "recorded"));
    }
}

/// <summary>One notification the local channel received.</summary>
public sealed record RecordedNotification(string NotificationId, string IncidentId, NotificationAction Action, string? Recipient, string? Role, string Text, DateTimeOffset At);
