namespace Quell.Mitigations;

/// <summary>What a mitigation does to the calls it covers.</summary>
public enum MitigationKind
{
    /// <summary>Pin a feature to a previous prompt version or model version.</summary>
    Rollback,

    /// <summary>Kill switch: refuse every covered call.</summary>
    Disable,

    /// <summary>Route to another model/provider, or answer with a canned safe answer.</summary>
    Fallback,

    /// <summary>Token bucket per feature, tenant or user.</summary>
    RateLimit,

    /// <summary>Refuse a user, a tenant, or inputs matching a pattern.</summary>
    Block,

    /// <summary>Spend cap per tenant or feature per day (UTC).</summary>
    BudgetCap,

    /// <summary>Most model calls one trace may make.</summary>
    LoopCap,
}

/// <summary>Where a mitigation is in its life; only <see cref="Active"/> ones are enforced.</summary>
public enum MitigationState
{
    Proposed,
    Active,
    Expired,
    Revoked,
}

/// <summary>Which calls a mitigation covers; a null field matches every value.</summary>
public sealed record MitigationScope
{
    public string? Feature { get; init; }
    public string? Tenant { get; init; }
    public string? User { get; init; }

    /// <summary>Any of these users (an attack campaign's senders); null or empty matches every user.</summary>
    public IReadOnlyList<string>? Users { get; init; }
    public string? Provider { get; init; }
    public string? Model { get; init; }

    public static MitigationScope Everywhere { get; } = new();

    public bool Matches(string? feature, string? tenant, string? user, string? provider = null, string? model = null) =>
        Field(Feature, feature) && Field(Tenant, tenant) && Field(User, user) && Field(Provider, provider) && Field(Model, model)
        && (Users is not { Count: > 0 } || (user is not null && Users.Contains(user, StringComparer.Ordinal)));

    public override string ToString()
    {
        var parts = new List<string>(5);
        void Add(string name, string? v)
        {
            if (v is not null)
            {
                parts.Add($"{name}={v}");
            }
        }

        Add("feature", Feature);
        Add("tenant", Tenant);
        Add("user", User);
        if (Users is { Count: > 0 })
        {
            parts.Add("users=" + string.Join("|", Users));
        }

        Add("provider", Provider);
        Add("model", Model);
        return parts.Count == 0 ? "everywhere" : string.Join(",", parts);
    }

    private static bool Field(string? wanted, string? actual) => wanted is null || string.Equals(wanted, actual, StringComparison.Ordinal);
}

/// <summary>
/// The settings of a mitigation; which fields apply depends on the kind (see <see cref="MitigationValidator"/>).
/// One flat record keeps the wire format plain for every client language.
/// </summary>
public sealed record MitigationParameters
{
    /// <summary>Rollback: the model id to pin (becomes ChatOptions.ModelId).</summary>
    public string? Model { get; init; }

    /// <summary>Rollback: the prompt version to pin; the application picks its template by it.</summary>
    public string? PromptVersion { get; init; }

    /// <summary>Fallback: another model (and optionally provider) to route to.</summary>
    public string? FallbackModel { get; init; }
    public string? FallbackProvider { get; init; }

    /// <summary>Fallback: a safe answer returned without calling any model.</summary>
    public string? CannedAnswer { get; init; }

    /// <summary>Rate limit: what the bucket is kept per: feature, tenant or user.</summary>
    public string? Per { get; init; }

    /// <summary>Rate limit: tokens added per second and bucket size.</summary>
    public double? RatePerSecond { get; init; }
    public int? Burst { get; init; }

    /// <summary>Block: a regular expression over the input (matched with the non-backtracking engine).</summary>
    public string? Pattern { get; init; }

    /// <summary>Budget cap: most spend per day (UTC) in US dollars, per <see cref="Per"/> (tenant or feature).</summary>
    public double? DailyUsd { get; init; }

    /// <summary>Loop cap: most calls one trace may make.</summary>
    public int? MaxCallsPerTrace { get; init; }

    /// <summary>Loop cap: traces already past the cap when it was set; their next call is refused at once.</summary>
    public IReadOnlyList<string>? StopTraces { get; init; }
}

/// <summary>One lever of the control plane, with who pulled it, why, for which incident and until when.</summary>
public sealed record Mitigation
{
    public required string Id { get; init; }
    public required MitigationKind Kind { get; init; }
    public MitigationScope Scope { get; init; } = MitigationScope.Everywhere;
    public MitigationParameters Parameters { get; init; } = new();
    public required string Reason { get; init; }
    public string? IncidentId { get; init; }

    /// <summary>The alert that led to it, when an auto-mitigation policy proposed it.</summary>
    public string? AlertId { get; init; }
    public required string CreatedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it stops applying by itself; null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    public MitigationState State { get; init; } = MitigationState.Proposed;

    /// <summary>What approving it is expected to do, in figures from the record; null when nobody estimated it.</summary>
    public string? ExpectedEffect { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public string? ApprovedBy { get; init; }

    public bool IsLive(DateTimeOffset now) => State == MitigationState.Active && (ExpiresAt is null || ExpiresAt > now);

    public string Describe() => Kind switch
    {
        MitigationKind.Rollback => $"rollback {Scope} to {Parameters.Model ?? Parameters.PromptVersion}",
        MitigationKind.Disable => $"disable {Scope}",
        MitigationKind.Fallback => Parameters.CannedAnswer is not null ? $"fallback {Scope} to a canned answer" : $"fallback {Scope} to {Parameters.FallbackModel}",
        MitigationKind.RateLimit => $"rate limit {Scope} to {Parameters.RatePerSecond}/s per {Parameters.Per}",
        MitigationKind.Block => Parameters.Pattern is not null ? $"block inputs matching /{Parameters.Pattern}/ on {Scope}" : $"block {Scope}",
        MitigationKind.BudgetCap => $"cap spend of {Scope} at ${Parameters.DailyUsd}/day per {Parameters.Per}",
        MitigationKind.LoopCap => $"cap {Scope} at {Parameters.MaxCallsPerTrace} calls per trace{(Parameters.StopTraces is { Count: > 0 } st ? $" and stop {st.Count} looping trace{(st.Count == 1 ? "" : "s")} now" : "")}",
        _ => Kind.ToString(),
    };
}

/// <summary>What a person or a policy asks for: the mitigation without its server-assigned fields.</summary>
public sealed record MitigationRequest
{
    public MitigationKind? Kind { get; init; }
    public MitigationScope? Scope { get; init; }
    public MitigationParameters? Parameters { get; init; }
    public string? Reason { get; init; }
    public string? IncidentId { get; init; }
    public string? AlertId { get; init; }
    public string? CreatedBy { get; init; }

    /// <summary>How long it applies; null uses the configured default.</summary>
    public TimeSpan? ExpiresIn { get; init; }

    /// <summary>Propose (wait for approval) or apply at once.</summary>
    public MitigationMode Mode { get; init; } = MitigationMode.Propose;

    /// <summary>What approving it is expected to do, in figures from the record (runbook proposals fill it in).</summary>
    public string? ExpectedEffect { get; init; }
}

/// <summary>Whether a new mitigation waits for approval or applies at once.</summary>
public enum MitigationMode
{
    Propose,
    Apply,
}

/// <summary>The active mitigations at one version: what clients download and follow.</summary>
public sealed record MitigationSet(long Version, IReadOnlyList<Mitigation> Mitigations);

/// <summary>One audited change of a mitigation's state.</summary>
public sealed record MitigationAuditEntry(long Sequence, string MitigationId, string Action, string Actor, DateTimeOffset At, MitigationState? FromState, MitigationState ToState, string? Note);
