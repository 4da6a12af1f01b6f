using Quell.Incidents;
using Quell.OnCall;

namespace Quell.Configuration;

/// <summary>quell.yaml `incidents:` — grouping, severity policy, routing by severity and maintenance windows.</summary>
public sealed record IncidentsConfig
{
    public GroupingConfig Grouping { get; init; } = new();

    public SeverityPolicy SeverityPolicy { get; init; } = new();

    public SeverityRouting Routing { get; init; } = new();

    /// <summary>Silences from config: label matchers and a time window.</summary>
    public IReadOnlyList<MaintenanceWindowConfig> MaintenanceWindows { get; init; } = [];

    /// <summary>How Quell is reached by responders, for links in notifications. Default http://127.0.0.1:4318.</summary>
    public string PublicUrl { get; init; } = "http://127.0.0.1:4318";

    /// <summary>How often group waits and escalation steps are checked. Default 1 s.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(1);

    public DeliveryConfig Delivery { get; init; } = new();
}

/// <summary>Group wait before the first notification and the window in which related alerts join an incident.</summary>
public sealed record GroupingConfig
{
    /// <summary>Default 30 s.</summary>
    public TimeSpan GroupWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Default 10 min.</summary>
    public TimeSpan GroupWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>While an incident is being worked or still firing, related alerts join it for this long. Default 24h.</summary>
    public TimeSpan ActiveGroupWindow { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>A maintenance window: alerts matching every matcher between starts_at and ends_at do not page.</summary>
public sealed record MaintenanceWindowConfig
{
    public string Name { get; init; } = "maintenance";

    /// <summary>name=value, name!=value, name=~regex, name!~regex.</summary>
    public IReadOnlyList<string> Matchers { get; init; } = [];

    /// <summary>RFC 3339 instant.</summary>
    public string StartsAt { get; init; } = string.Empty;

    /// <summary>RFC 3339 instant.</summary>
    public string EndsAt { get; init; } = string.Empty;
}

/// <summary>How hard the outbox dispatcher tries.</summary>
public sealed record DeliveryConfig
{
    public int MaxAttempts { get; init; } = 12;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait for one HTTP or SMTP attempt. Default 10 s.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
