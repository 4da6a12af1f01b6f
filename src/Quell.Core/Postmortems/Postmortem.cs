namespace Quell.Postmortems;

/// <summary>A blameless post-mortem of one incident; every edit stores a new <see cref="Version"/>.</summary>
public sealed record Postmortem
{
    public required string IncidentId { get; init; }

    public int Version { get; init; } = 1;

    public required string Title { get; init; }

    /// <summary>draft, review or published.</summary>
    public string Status { get; init; } = PostmortemStatus.Draft;

    public string Summary { get; init; } = string.Empty;

    /// <summary>Response times, each derived from two timeline instants and naming where they come from.</summary>
    public IReadOnlyList<PostmortemFact> Facts { get; init; } = [];

    public PostmortemImpact Impact { get; init; } = new();

    /// <summary>Which signal caught it, how fast, and what could have caught it earlier.</summary>
    public string Detection { get; init; } = string.Empty;

    public IReadOnlyList<PostmortemEvent> Timeline { get; init; } = [];

    public string Mitigation { get; init; } = string.Empty;

    public string RootCause { get; init; } = string.Empty;

    public IReadOnlyList<string> WentWell { get; init; } = [];

    public IReadOnlyList<string> WentBadly { get; init; } = [];

    public IReadOnlyList<ActionItem> ActionItems { get; init; } = [];

    /// <summary>What changes in how the system is built or run so this class of incident cannot recur.</summary>
    public IReadOnlyList<string> StructuralChanges { get; init; } = [];

    /// <summary>Past incidents that looked like this one.</summary>
    public IReadOnlyList<string> SimilarIncidents { get; init; } = [];

    public DateTimeOffset? DueAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public string UpdatedBy { get; init; } = "quell";
}

/// <summary>The post-mortem's states.</summary>
public static class PostmortemStatus
{
    public const string Draft = "draft";
    public const string Review = "review";
    public const string Published = "published";

    public static IReadOnlyList<string> All { get; } = [Draft, Review, Published];
}

/// <summary>
/// Who and what the incident touched: exact counts over every call of the incident's scope in its window (see
/// <see cref="IncidentScope"/>). For data incidents the tenants whose data leaked and the recipients are apart.
/// </summary>
public sealed record PostmortemImpact
{
    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public TimeSpan? Duration => To - From;

    /// <summary>The filter the figures were counted with, e.g. "feature=support_chat, region=eu-west".</summary>
    public string Scope { get; init; } = string.Empty;

    /// <summary>Affected calls: in scope, in the window, and (for data and abuse) carrying a matching finding.</summary>
    public long Calls { get; init; }

    public long ErrorCalls { get; init; }

    /// <summary>Calls with a scanner finding (for data and abuse incidents).</summary>
    public long FlaggedCalls { get; init; }

    /// <summary>Distinct users of the affected calls (for data incidents: the recipients).</summary>
    public long Users { get; init; }

    /// <summary>Distinct tenants of the affected calls (for data incidents: the recipients).</summary>
    public long Tenants { get; init; }

    /// <summary>Data incidents: tenants whose documents, canaries or data appeared in another tenant's answers.</summary>
    public IReadOnlyList<string> LeakedFromTenants { get; init; } = [];

    /// <summary>Data incidents: tenants that received the leaked data; abuse: tenants the attacks came from.</summary>
    public IReadOnlyList<string> RecipientTenants { get; init; } = [];

    /// <summary>Entity counts of the matching findings (PHONE_NUMBER ×3), for data and abuse incidents.</summary>
    public IReadOnlyDictionary<string, long> Entities { get; init; } = new Dictionary<string, long>();

    /// <summary>Agent-loop incidents: the looping traces the figures are summed over; null for other incidents.</summary>
    public long? Traces { get; init; }

    public double CostUsd { get; init; }

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    /// <summary>95th percentile latency of the affected calls, in milliseconds.</summary>
    public double? P95LatencyMs { get; init; }

    public DateTimeOffset? FirstAffectedAt { get; init; }

    public DateTimeOffset? LastAffectedAt { get; init; }

    /// <summary>What the detector and blast radius reported, when the log no longer holds the calls.</summary>
    public string Note { get; init; } = string.Empty;
}

/// <summary>A response time (time_to_detect, …): the span between two instants of the record and their sources.</summary>
public sealed record PostmortemFact(string Name, double? Seconds, DateTimeOffset? From, DateTimeOffset? To, string Text, string Source);

/// <summary>One line of the post-mortem timeline.</summary>
public sealed record PostmortemEvent(DateTimeOffset At, string Kind, string Text);

/// <summary>A follow-up with an owner and a due date, tracked until done.</summary>
public sealed record ActionItem
{
    public required string Id { get; init; }

    public required string Text { get; init; }

    public string? Owner { get; init; }

    public DateTimeOffset? DueAt { get; init; }

    /// <summary>open or done.</summary>
    public string Status { get; init; } = "open";

    public DateTimeOffset? DoneAt { get; init; }

    public bool IsOpen => Status != "done";
}
