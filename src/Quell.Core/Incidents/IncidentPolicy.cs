using Quell.Configuration;
using Quell.OnCall;
using Quell.Response;

namespace Quell.Incidents;

/// <summary>Everything the incident manager decides with: grouping windows, severity, routing, channels, maintenance windows.</summary>
public sealed record IncidentPolicy
{
    /// <summary>How long a new incident waits before its first notification, so flapping alerts do not page. Default 30 s.</summary>
    public TimeSpan GroupWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Related alerts this close to an incident's last alert join it. Default 10 min.</summary>
    public TimeSpan GroupWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>While an incident still has a firing alert or a responder on it, related alerts keep joining it this long.</summary>
    public TimeSpan ActiveGroupWindow { get; init; } = TimeSpan.FromHours(24);

    public SeverityPolicy Severity { get; init; } = new();

    public SeverityRouting Routing { get; init; } = new();

    /// <summary>Who a feature serves; drives severity.</summary>
    public Func<string?, FeatureAudience> Audience { get; init; } = _ => FeatureAudience.CustomerFacing;

    /// <summary>Configured channels: pagerduty, slack, email, webhook:NAME. Empty means the local log only.</summary>
    public IReadOnlyList<string> Channels { get; init; } = [];

    public IReadOnlyList<Silence> MaintenanceWindows { get; init; } = [];

    /// <summary>Base URL of this Quell, for links in notifications.</summary>
    public string PublicUrl { get; init; } = "http://127.0.0.1:4318";
}

/// <summary>The result of one decision: the incident's new state, new timeline entries and notifications to enqueue, stored together.</summary>
public sealed record IncidentChange(Incident Incident, bool Created, IReadOnlyList<TimelineEntry> Timeline, IReadOnlyList<Notifications.Notification> Notifications);

/// <summary>A responder command's outcome: a change, or a refusal naming the field and why.</summary>
public sealed record CommandResult(IncidentChange? Change, CommandRefusal? Refusal)
{
    public bool Ok => Change is not null;

    public static CommandResult Refused(string field, string message, bool conflict = false) => new(null, new CommandRefusal(field, message, conflict));
}

/// <summary>Why a command was refused; <see cref="Conflict"/> marks a valid request the incident's state does not allow.</summary>
public sealed record CommandRefusal(string Field, string Message, bool Conflict);
