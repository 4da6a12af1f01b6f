namespace Quell.OnCall;

/// <summary>Who carries the pager: rotation layers (later layers win where they have someone) and overrides on top.</summary>
public sealed record OnCallSchedule
{
    public required string Name { get; init; }

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Lowest first; a later layer wins wherever it has someone on call.</summary>
    public IReadOnlyList<RotationLayer> Layers { get; init; } = [];

    /// <summary>Later overrides win over earlier ones; all win over layers.</summary>
    public IReadOnlyList<OnCallOverride> Overrides { get; init; } = [];
}

/// <summary>A weekly rotation: participants take turns, handing off on a weekday at a local time.</summary>
public sealed record RotationLayer
{
    public string Name { get; init; } = "layer";

    public required IReadOnlyList<string> Participants { get; init; }

    public DayOfWeek HandoffDay { get; init; } = DayOfWeek.Monday;

    /// <summary>Local wall-clock time of the handoff in the schedule's time zone; stays put across DST changes.</summary>
    public TimeOnly HandoffTime { get; init; } = new(9, 0);

    /// <summary>Local date of a handoff at which the first participant starts (moved back to the handoff weekday if needed).</summary>
    public DateOnly Start { get; init; } = new(2024, 1, 1);

    /// <summary>Optional daily window (local) in which this layer has someone; outside it lower layers answer. Wraps past midnight when From &gt; To.</summary>
    public TimeOnly? ActiveFrom { get; init; }

    public TimeOnly? ActiveTo { get; init; }
}

/// <summary>User X covers the schedule from..to (instants; To exclusive).</summary>
public sealed record OnCallOverride(string User, DateTimeOffset From, DateTimeOffset To);

/// <summary>The answer to "who is on call": the person, where the answer came from and the shift bounds.</summary>
public sealed record OnCallShift(string User, string Schedule, string Source, DateTimeOffset From, DateTimeOffset To);
