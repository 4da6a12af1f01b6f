using Quell.Incidents;
using Quell.Response;

namespace Quell.Notifications;

/// <summary>A message to deliver on one channel; its <see cref="Id"/> is the idempotency key across retries and restarts.</summary>
public sealed record Notification(string Id, string IncidentId, string Channel, NotificationMessage Message, DateTimeOffset CreatedAt);

/// <summary>What happened, for whom: the channel-neutral content every sender renders.</summary>
public sealed record NotificationMessage
{
    public required string IncidentId { get; init; }

    public required NotificationAction Action { get; init; }

    public required Severity Severity { get; init; }

    public required IncidentState State { get; init; }

    public required string Title { get; init; }

    public string Summary { get; init; } = string.Empty;

    public string Category { get; init; } = string.Empty;

    public string? Attribution { get; init; }

    public string? Signal { get; init; }

    public string? Feature { get; init; }

    public string? Provider { get; init; }

    /// <summary>The person paged, for personal pages; null for broadcasts.</summary>
    public string? Recipient { get; init; }

    /// <summary>The recipient's role: primary, secondary, manager…</summary>
    public string? Role { get; init; }

    /// <summary>One human line: "paged alice (primary)", "escalated to bob (secondary) after 5 min".</summary>
    public required string Text { get; init; }

    public IReadOnlyList<NotificationLink> Links { get; init; } = [];

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public required DateTimeOffset At { get; init; }
}

/// <summary>A link shown with a notification.</summary>
public sealed record NotificationLink(string Href, string Text);

/// <summary>Trigger opens (or re-pages), Update changes severity, Acknowledge and Resolve close the loop.</summary>
public enum NotificationAction
{
    Trigger,
    Update,
    Acknowledge,
    Resolve,
}
