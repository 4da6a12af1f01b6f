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
    /// Every call matching the filter (its limit ignored), oldest first, without input, output and system prompt: what
    /// exact aggregates over a window read. The default pages through <see cref="QueryAsync"/>; stores stream instead.
    /// </summary>
    async IAsyncEnumerable<CallRecord> ScanFiguresAsync(CallQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var c in (await QueryAsync(query with { Limit = 10_000 }, cancellationToken).ConfigureAwait(false)).OrderBy(c => c.Sequence))
        {
            yield return c.Call;
        }
    }

    /// <summary>
    /// Calls, errors, latency, cost and tokens grouped by one or more dimensions (feature, tenant, model, provider,
    /// region, prompt_version, model_version, user, operation, status, hour) in [from, to), optionally within a feature.
    /// The default reads calls through <see cref="QueryAsync"/>; stores override it with a grouped query.
    /// </summary>
    async Task<IReadOnlyList<DimensionAggregate>> AggregateAsync(IReadOnlyList<string> dimensions, DateTimeOffset from, DateTimeOffset to, string? feature = null, CancellationToken cancellationToken = default)
    {
        var calls = await QueryAsync(new CallQuery { Feature = feature, From = from, To = to, Limit = 10_000 }, cancellationToken).ConfigureAwait(false);
        return calls.GroupBy(c => string.Join("\u001f", dimensions.Select(d => DimensionAggregate.ValueOf(c.Call, d))), StringComparer.Ordinal)
            .Select(g => new DimensionAggregate(
                dimensions.Select(d => DimensionAggregate.ValueOf(g.First().Call, d)).ToList(),
                g.Count(),
                g.Count(c => c.Call.IsError),
                g.Count(c => c.Call.ErrorType == ErrorTypes.Timeout),
                g.Sum(c => c.Call.LatencyMs ?? 0),
                g.Sum(c => c.Call.CostUsd ?? 0),
                g.Sum(c => c.Call.InputTokens),
                g.Sum(c => c.Call.OutputTokens)))
            .ToList();
    }

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
    public string? Status { get; init; }
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
