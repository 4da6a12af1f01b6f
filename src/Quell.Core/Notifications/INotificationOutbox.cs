using Quell.Incidents;
using Quell.Response;

namespace Quell.Notifications;

/// <summary>Notifications committed with their incident change and waiting to be delivered at least once.</summary>
public interface INotificationOutbox
{
    /// <summary>Pending notifications whose next attempt is due, oldest first.</summary>
    Task<IReadOnlyList<OutboxItem>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default);

    /// <summary>Stores an attempt's outcome on the row and its timeline entry in one transaction.</summary>
    Task RecordAttemptAsync(string notificationId, OutboxStatus status, int attempts, DateTimeOffset nextAttemptAt, string? error, TimelineEntry entry, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<OutboxItem>> ForIncidentAsync(string incidentId, CancellationToken cancellationToken = default);

    /// <summary>The earliest next attempt of any pending notification, or null.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default);

    /// <summary>How many notifications are pending and when the oldest of them was created.</summary>
    Task<OutboxBacklog> BacklogAsync(CancellationToken cancellationToken = default);
}

/// <summary>Pending notifications: how many, and the creation time of the oldest (null when none).</summary>
public readonly record struct OutboxBacklog(long Pending, DateTimeOffset? OldestCreatedAt);

/// <summary>A notification row with its delivery state.</summary>
public sealed record OutboxItem(Notification Notification, OutboxStatus Status, int Attempts, DateTimeOffset NextAttemptAt, string? LastError);

/// <summary>Where a notification is in delivery.</summary>
public enum OutboxStatus
{
    Pending,
    Delivered,
    Failed,
}
