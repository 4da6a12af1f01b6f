using Quell.Calls;

namespace Quell.Storage;

/// <summary>The append-only calls log: durable appends, reads by sequence, lookups for investigators.</summary>
public interface ICallLog
{
    /// <summary>Appends calls in one transaction; returns, per call, whether it was new (false: a duplicate id).</summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<CallRecord> calls, CancellationToken cancellationToken = default);

    /// <summary>Calls with a sequence above <paramref name="afterSequence"/>, oldest first.</summary>
    Task<IReadOnlyList<LoggedCall>> ReadAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>Like <see cref="ReadAfterAsync"/> without input, output and system prompt: what consumers of figures need.</summary>
    Task<IReadOnlyList<LoggedCall>> ReadFiguresAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default) =>
        ReadAfterAsync(afterSequence, limit, cancellationToken);

    Task<LoggedCall?> GetAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LoggedCall>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default);

    /// <summary>Calls, errors, tokens and cost grouped by one dimension (feature, model, tenant, provider, …).</summary>
    Task<IReadOnlyList<UsageSummary>> SummarizeAsync(string dimension, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default);

    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Calls, distinct tenants and distinct users matching a filter (its limit is ignored): an incident's blast radius.</summary>
    Task<CallCounts> CountAsync(CallQuery query, CancellationToken cancellationToken = default);

    Task<long> LastSequenceAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls, errors, latency, cost and tokens grouped by one or more dimensions (feature, tenant, model, provider,
    /// region, prompt_version, model_version, user, operation, status, hour) in [from, to), optionally within a feature.
    /// </summary>
    Task<IReadOnlyList<DimensionAggregate>> AggregateAsync(IReadOnlyList<string> dimensions, DateTimeOffset from, DateTimeOffset to, string? feature = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Exact totals over every call matching the filter (its limit ignored), computed by the database with no row
    /// cap: one row when <paramref name="groupBy"/> is empty, else one per combination of the dimensions'
    /// values (<see cref="CallTotals.Dimensions"/>), most calls first, at most <paramref name="maxGroups"/>.
    /// </summary>
    Task<IReadOnlyList<CallTotals>> TotalsAsync(CallQuery filter, IReadOnlyList<string>? groupBy = null, int maxGroups = int.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Distinct non-null values of one dimension (tenant, user, …) over the matching calls, ordinal order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> DistinctAsync(CallQuery filter, string dimension, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scanner findings of the given kinds on the matching calls, counted in the database: findings per entity, and
    /// the tenants that owned leaked data (a finding's owner other than the call's own tenant).
    /// </summary>
    Task<FindingTotals> FindingTotalsAsync(CallQuery filter, IReadOnlyCollection<string> kinds, CancellationToken cancellationToken = default);

    /// <summary>The nearest-rank <paramref name="quantile"/> (0..1] of latency_ms over matching calls that have one; null when none.</summary>
    Task<double?> LatencyQuantileAsync(CallQuery filter, double quantile, CancellationToken cancellationToken = default);

    /// <summary>Deletes calls of a feature (null: features without their own rule) older than the cutoff.</summary>
    Task<int> PurgeAsync(string? feature, IReadOnlyCollection<string> excludedFeatures, DateTimeOffset olderThan, CancellationToken cancellationToken = default);
}

/// <summary>How many calls of an append were new and how many repeated an id already stored.</summary>
public readonly record struct AppendResult(int Inserted, int Duplicates, long LastSequence)
{
    /// <summary>Per call of the append, whether it was new; lets a group commit answer each request exactly.</summary>
    public IReadOnlyList<bool>? IsNew { get; init; }
}

/// <summary>Filter for investigators: any field left null matches everything.</summary>
public sealed record CallQuery
{
    public string? Feature { get; init; }
    public string? Tenant { get; init; }
    public string? User { get; init; }
    public string? Model { get; init; }
    public string? Provider { get; init; }
    public string? PromptVersion { get; init; }
    public string? ModelVersion { get; init; }
    public string? Region { get; init; }
    public string? TraceId { get; init; }
    public string? Operation { get; init; }
    public string? Status { get; init; }
    public string? ErrorType { get; init; }

    /// <summary>Only calls of one of these users; null or empty for everyone.</summary>
    public IReadOnlyList<string>? Users { get; init; }

    /// <summary>Only calls carrying a scanner finding of one of these kinds (pii, cross_tenant, …); null or empty for any call.</summary>
    public IReadOnlyList<string>? FindingKinds { get; init; }

    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public long? AfterSequence { get; init; }
    public int Limit { get; init; } = 100;
}

/// <summary>Persisted positions of log consumers, so a restart resumes where it left off.</summary>
public interface ICursorStore
{
    Task<long> GetAsync(string consumer, CancellationToken cancellationToken = default);

    Task SetAsync(string consumer, long sequence, CancellationToken cancellationToken = default);
}

/// <summary>Totals of the calls sharing one combination of dimension values.</summary>
public sealed record DimensionAggregate(IReadOnlyList<string?> Key, long Calls, long Errors, long Timeouts, double LatencyMsSum, double CostUsd, long InputTokens, long OutputTokens)
{
    /// <summary>Dimensions <see cref="ICallLog.AggregateAsync"/> can group by.</summary>
    public static readonly IReadOnlyList<string> Known = ["feature", "tenant", "user", "model", "provider", "region", "prompt_version", "model_version", "operation", "status", "hour"];

    public static string? ValueOf(CallRecord c, string dimension) => dimension switch
    {
        "feature" => c.Feature,
        "tenant" => c.Tenant,
        "user" => c.User,
        "model" => c.Model,
        "provider" => c.Provider,
        "region" => c.Region,
        "prompt_version" => c.PromptVersion,
        "model_version" => c.ModelVersion,
        "operation" => c.Operation,
        "status" => c.IsError ? "error" : "ok",
        "hour" => c.Timestamp.ToUniversalTime().ToString("yyyy-MM-ddTHH:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"cannot group by '{dimension}'; use one of {string.Join(", ", Known)}", nameof(dimension)),
    };
}

/// <summary>Usage of one dimension value over a time range.</summary>
public sealed record UsageSummary(string? Key, long Calls, long Errors, long InputTokens, long OutputTokens, double CostUsd, long UnpricedCalls);

/// <summary>How many calls, tenants and users a filter matches, with up to 50 tenant names.</summary>
public sealed record CallCounts(long Calls, int Tenants, long Users, IReadOnlyList<string> TenantNames);

/// <summary>Exact totals of the calls sharing one combination of group-by values (an empty key when not grouped).</summary>
public sealed record CallTotals(IReadOnlyList<string?> Key)
{
    /// <summary>Dimensions <see cref="ICallLog.TotalsAsync"/> can group by and <see cref="ICallLog.DistinctAsync"/> can list.</summary>
    public static readonly IReadOnlyList<string> Dimensions = ["feature", "tenant", "user", "model", "provider", "region", "prompt_version", "model_version", "operation", "status", "error_type", "trace_id", "hour"];

    public long Calls { get; init; }
    public long Errors { get; init; }
    public long Timeouts { get; init; }

    /// <summary>Calls carrying at least one scanner finding of any kind.</summary>
    public long FlaggedCalls { get; init; }

    /// <summary>Calls with no price: neither in the price table nor reported.</summary>
    public long UnpricedCalls { get; init; }
    public long Users { get; init; }
    public long Tenants { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public double CostUsd { get; init; }
    public double LatencyMsSum { get; init; }

    /// <summary>Calls that reported a latency (the denominator of a mean latency).</summary>
    public long LatencyCalls { get; init; }
    public DateTimeOffset? FirstAt { get; init; }
    public DateTimeOffset? LastAt { get; init; }
}

/// <summary>Scanner findings over a set of calls: how many per entity and whose data leaked.</summary>
public sealed record FindingTotals(IReadOnlyDictionary<string, long> ByEntity, IReadOnlyList<string> OwnerTenants)
{
    /// <summary>Calls carrying at least one finding of the asked kinds.</summary>
    public long Calls { get; init; }
}
