namespace Quell.Scanning.Injection;

/// <summary>One scanned input as the campaign detector sees it.</summary>
public readonly record struct InjectionObservation(DateTimeOffset Timestamp, string? Tenant, string? User, bool Flagged);

/// <summary>Why a burst of flagged inputs counts as a campaign.</summary>
public enum CampaignReason
{
    /// <summary>Many flagged inputs from several users, well above the tenant's baseline.</summary>
    ManyUsers = 0,

    /// <summary>One user flagged again and again.</summary>
    SingleUser = 1,
}

/// <summary>An anomalous burst of injection attempts against one tenant; another part of Quell turns it into an alert.</summary>
/// <param name="BaselineFlaggedPerWindow">Average flagged inputs per window over the baseline horizon before this window.</param>
public sealed record InjectionCampaign(
    string Tenant,
    CampaignReason Reason,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    int FlaggedCount,
    int InputCount,
    IReadOnlyList<string> Users,
    double BaselineFlaggedPerWindow);

/// <summary>Thresholds of the campaign detector; defaults follow the on-call rule "≥ 10 flagged from ≥ 3 users in 15 minutes".</summary>
public sealed record InjectionCampaignOptions
{
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan BaselineHorizon { get; init; } = TimeSpan.FromHours(24);

    public int MinFlagged { get; init; } = 10;

    public int MinDistinctUsers { get; init; } = 3;

    /// <summary>The window's flagged count must be at least this multiple of the baseline per window.</summary>
    public double MinRatioToBaseline { get; init; } = 4;

    /// <summary>Baseline used when a tenant has no history, so a first burst is judged against something.</summary>
    public double BaselineFloor { get; init; } = 1;

    public int SingleUserMinFlagged { get; init; } = 5;
}
