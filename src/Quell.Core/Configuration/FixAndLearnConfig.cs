namespace Quell.Configuration;

/// <summary>quell.yaml `postmortems:` — deadline, reminders and similar-incident linking.</summary>
public sealed record PostmortemsConfig
{
    /// <summary>The post-mortem is due this long after resolution. Default 14 days.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromDays(14);

    /// <summary>A reminder goes out this long before the deadline, and another when it passes. Default 3 days.</summary>
    public TimeSpan RemindBefore { get; init; } = TimeSpan.FromDays(3);

    /// <summary>How often deadlines are checked. Default 1 h.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How many similar past incidents are linked on a new one. Default 3.</summary>
    public int SimilarIncidents { get; init; } = 3;
}
