namespace Quell.Configuration;

/// <summary>quell.yaml `on_call:` — schedules and escalation policies by name.</summary>
public sealed record OnCallConfig
{
    public IReadOnlyDictionary<string, ScheduleConfig> Schedules { get; init; } = new Dictionary<string, ScheduleConfig>();

    public IReadOnlyDictionary<string, EscalationPolicyConfig> EscalationPolicies { get; init; } = new Dictionary<string, EscalationPolicyConfig>();

    /// <summary>The policy used when routing names none. Default "default".</summary>
    public string DefaultPolicy { get; init; } = "default";
}

/// <summary>A schedule: an IANA time zone, rotation layers (lowest first) and overrides.</summary>
public sealed record ScheduleConfig
{
    public string TimeZone { get; init; } = "UTC";

    public IReadOnlyList<LayerConfig> Layers { get; init; } = [];

    public IReadOnlyList<OverrideConfig> Overrides { get; init; } = [];
}

/// <summary>A weekly rotation layer.</summary>
public sealed record LayerConfig
{
    public string? Name { get; init; }

    public IReadOnlyList<string> Participants { get; init; } = [];

    /// <summary>monday … sunday. Default monday.</summary>
    public string HandoffDay { get; init; } = "monday";

    /// <summary>Local HH:mm. Default 09:00.</summary>
    public string HandoffTime { get; init; } = "09:00";

    /// <summary>Local date (yyyy-MM-dd) of a handoff at which the first participant starts. Default 2024-01-01.</summary>
    public string Start { get; init; } = "2024-01-01";

    /// <summary>Optional daily window (local HH:mm) in which this layer has someone.</summary>
    public string? ActiveFrom { get; init; }

    public string? ActiveTo { get; init; }
}

/// <summary>User covers the schedule from..to (RFC 3339 instants).</summary>
public sealed record OverrideConfig
{
    public string User { get; init; } = string.Empty;

    public string From { get; init; } = string.Empty;

    public string To { get; init; } = string.Empty;
}

/// <summary>Ordered steps, repeated `repeat` more times while nobody acknowledges.</summary>
public sealed record EscalationPolicyConfig
{
    public IReadOnlyList<EscalationStepConfig> Steps { get; init; } = [];

    public int Repeat { get; init; }
}

/// <summary>Page a schedule's on-call person and/or a user, then wait `delay` before the next step.</summary>
public sealed record EscalationStepConfig
{
    public string? Name { get; init; }

    public string? Schedule { get; init; }

    public string? User { get; init; }

    public TimeSpan Delay { get; init; } = TimeSpan.FromMinutes(5);
}
