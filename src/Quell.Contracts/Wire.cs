namespace Quell.Contracts;

/// <summary>The active mitigations as GET /api/v1/mitigations returns them.</summary>
public sealed record MitigationSnapshot
{
    public long Version { get; init; }
    public IReadOnlyList<MitigationInfo> Mitigations { get; init; } = [];
}

/// <summary>One active mitigation as the client sees it.</summary>
public sealed record MitigationInfo
{
    public string Id { get; init; } = "";

    /// <summary>rollback, disable, fallback, rate_limit, block, budget_cap or loop_cap.</summary>
    public string Kind { get; init; } = "";
    public MitigationScopeInfo Scope { get; init; } = new();
    public MitigationParametersInfo Parameters { get; init; } = new();
    public string Reason { get; init; } = "";
    public string? IncidentId { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>Which calls a mitigation covers; null fields match everything.</summary>
public sealed record MitigationScopeInfo
{
    public string? Feature { get; init; }
    public string? Tenant { get; init; }
    public string? User { get; init; }

    /// <summary>Any of these users; null or empty matches every user.</summary>
    public IReadOnlyList<string>? Users { get; init; }
    public string? Provider { get; init; }
    public string? Model { get; init; }

    /// <summary>Whether a call with these labels is covered (null labels match only scopes that leave them open).</summary>
    public bool Matches(string? feature, string? tenant, string? user, string? provider, string? model) =>
        F(Feature, feature) && F(Tenant, tenant) && F(User, user) && F(Provider, provider) && F(Model, model)
        && (Users is not { Count: > 0 } || (user is not null && Users.Contains(user, StringComparer.Ordinal)));

    private static bool F(string? wanted, string? actual) => wanted is null || string.Equals(wanted, actual, StringComparison.Ordinal);
}

/// <summary>Settings of a mitigation; which apply depends on its kind.</summary>
public sealed record MitigationParametersInfo
{
    public string? Model { get; init; }
    public string? PromptVersion { get; init; }
    public string? FallbackModel { get; init; }
    public string? FallbackProvider { get; init; }
    public string? CannedAnswer { get; init; }
    public string? Per { get; init; }
    public double? RatePerSecond { get; init; }
    public int? Burst { get; init; }
    public string? Pattern { get; init; }
    public double? DailyUsd { get; init; }
    public int? MaxCallsPerTrace { get; init; }

    /// <summary>Loop cap: traces already past the cap when it was set; refused at once.</summary>
    public IReadOnlyList<string>? StopTraces { get; init; }
}

/// <summary>
/// A native call record as POST /api/v1/calls takes it (serialised with snake_case names, nulls left out). The
/// server reads it with its call schema; a test checks every property here is one of that schema's native fields.
/// </summary>
public sealed record CallReport
{
    public required string Id { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public string? Tenant { get; init; }
    public string? User { get; init; }
    public string? Feature { get; init; }
    public string Operation { get; init; } = "chat";
    public string? Provider { get; init; }
    public string? Model { get; init; }
    public string? ModelVersion { get; init; }
    public string? PromptVersion { get; init; }
    public string? TraceId { get; init; }
    public double LatencyMs { get; init; }
    public double? TtftMs { get; init; }
    public string? SessionId { get; init; }
    public long InputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long OutputTokens { get; init; }
    public double? CostUsd { get; init; }
    public string Status { get; init; } = "ok";
    public string? ErrorType { get; init; }
    public string? Input { get; init; }
    public string? Output { get; init; }
    public string? SystemPrompt { get; init; }
    public Dictionary<string, string>? Attributes { get; init; }
}
