using Quell.Response;

namespace Quell.Incidents;

/// <summary>An incident a team runs: grouped alerts, severity, lifecycle state, roles and paging state.</summary>
public sealed record Incident
{
    public required string Id { get; init; }

    public required string Title { get; init; }

    public required string Category { get; init; }

    /// <summary>What related alerts share: "category:feature" or "outage:provider".</summary>
    public required string GroupKey { get; init; }

    public string? Feature { get; init; }

    public string? Provider { get; init; }

    public bool VendorOutage { get; init; }

    public string Summary { get; init; } = string.Empty;

    public string? Attribution { get; init; }

    public string Source { get; init; } = "quell";

    public Severity Severity { get; init; } = Severity.S3;

    public string SeverityReason { get; init; } = string.Empty;

    /// <summary>The computed severity when a responder overrode it; automatic changes only go above it. Null when never overridden.</summary>
    public Severity? OverrideBaseline { get; init; }

    public IncidentState State { get; init; } = IncidentState.Detected;

    public string? Commander { get; init; }

    public string? Assignee { get; init; }

    /// <summary>Labels of the alert that opened the incident.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<IncidentAlert> Alerts { get; init; } = [];

    public BlastRadius Blast { get; init; } = new();

    public IReadOnlyList<string> ExampleCallIds { get; init; } = [];

    public IReadOnlyList<string> Links { get; init; } = [];

    /// <summary>Ids of past incidents this one recurs or resembles, most relevant first.</summary>
    public IReadOnlyList<string> Related { get; init; } = [];

    /// <summary>Why the incident was not paged (a silence, a maintenance window), or null.</summary>
    public string? SuppressedBy { get; init; }

    public DateTimeOffset? OnsetAt { get; init; }

    /// <summary>
    /// When the current episode began: the last time a recurrence reopened the resolved incident (its detection in
    /// that episode). Null while the incident is in its first episode, whose detection is <see cref="DetectedAt"/>.
    /// </summary>
    public DateTimeOffset? ReopenedAt { get; init; }

    /// <summary>The onset of the current episode as the reopening signal estimated it; null in the first episode.</summary>
    public DateTimeOffset? ReopenOnsetAt { get; init; }

    public required DateTimeOffset DetectedAt { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public DateTimeOffset? MitigatedAt { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    public DateTimeOffset? ClosedAt { get; init; }

    public required DateTimeOffset LastSignalAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the first notification is due (end of the group wait); null once notified or withdrawn.</summary>
    public DateTimeOffset? NotifyAt { get; init; }

    public EscalationProgress? Escalation { get; init; }

    /// <summary>Everyone paged so far, in order; resolution notifies them all.</summary>
    public IReadOnlyList<PageRecord> Pages { get; init; } = [];

    /// <summary>Channels that have heard of this incident; later updates go to them.</summary>
    public IReadOnlyList<string> NotifiedChannels { get; init; } = [];

    /// <summary>Counter behind notification idempotency keys.</summary>
    public int NotificationSeq { get; init; }

    /// <summary>The current episode's response times: a reopened incident counts from its reopening, not its first detection.</summary>
    public IncidentTimings Timings => new(
        (ReopenedAt is null ? OnsetAt : ReopenOnsetAt) is { } o ? EpisodeDetectedAt - o : null,
        AcknowledgedAt - EpisodeDetectedAt,
        MitigatedAt - EpisodeDetectedAt,
        ResolvedAt - EpisodeDetectedAt);

    /// <summary>Detection of the current episode: the reopening, or the first detection.</summary>
    public DateTimeOffset EpisodeDetectedAt => ReopenedAt ?? DetectedAt;
}

/// <summary>One alert (by fingerprint) grouped into an incident.</summary>
public sealed record IncidentAlert(string Fingerprint, string AlertId, string Category, string Signal, SignalState State, DateTimeOffset FirstAt, DateTimeOffset LastAt, int Count)
{
    /// <summary>Why this alert did not page (inhibition, silence), or null.</summary>
    public string? SuppressedBy { get; init; }

    public string Summary { get; init; } = string.Empty;
}

/// <summary>How much of the traffic an incident touches; the largest figures seen across its alerts.</summary>
public sealed record BlastRadius
{
    public IReadOnlyList<string> Tenants { get; init; } = [];

    public int TotalTenants { get; init; }

    public long Users { get; init; }

    public long TotalUsers { get; init; }

    public long Calls { get; init; }

    public long TotalCalls { get; init; }

    public double? TenantShare => TotalTenants > 0 ? Math.Min(1, (double)Tenants.Count / TotalTenants) : null;

    public double? UserShare => TotalUsers > 0 ? Math.Min(1, (double)Users / TotalUsers) : null;

    public double? CallShare => TotalCalls > 0 ? Math.Min(1, (double)Calls / TotalCalls) : null;

    public BlastRadius Merge(IncidentSignal s)
    {
        var tenants = Tenants.Count >= 1000 || s.AffectedTenants.Count == 0
            ? Tenants
            : Tenants.Union(s.AffectedTenants, StringComparer.Ordinal).Take(1000).ToList();
        return new BlastRadius
        {
            Tenants = tenants,
            TotalTenants = Math.Max(TotalTenants, Math.Max(s.TotalTenants, tenants.Count)),
            Users = Math.Max(Users, s.AffectedUsers),
            TotalUsers = Math.Max(TotalUsers, s.TotalUsers),
            Calls = Math.Max(Calls, s.AffectedCalls),
            TotalCalls = Math.Max(TotalCalls, s.TotalCalls),
        };
    }
}

/// <summary>Where an escalation policy is: which step and round, and when the next step is due.</summary>
public sealed record EscalationProgress(string Policy, int Step, int Round, DateTimeOffset? NextAt);

/// <summary>A person paged for an incident, in which role, when and over which channels.</summary>
public sealed record PageRecord(string User, string Role, DateTimeOffset At, IReadOnlyList<string> Channels);

/// <summary>Time to detect (onset → detected), acknowledge, mitigate and resolve (each from detection), of the current episode.</summary>
public sealed record IncidentTimings(TimeSpan? ToDetect, TimeSpan? ToAcknowledge, TimeSpan? ToMitigate, TimeSpan? ToResolve);
