using Quell.Calls;
using Quell.Storage;

namespace Quell.Investigation;

/// <summary>What investigation and runbook checks ask of Quell's stores; the server implements it over SQLite.</summary>
public interface IInvestigationSource
{
    /// <summary>Before and after windows around an onset: [onset - baseline, onset) and [onset, min(onset + baseline, now)).</summary>
    (DateTimeOffset From, DateTimeOffset Onset, DateTimeOffset To) Windows(DateTimeOffset onset);

    Task<IReadOnlyList<CorrelationCandidate>> CorrelateAsync(InvestigationSubject subject, CancellationToken cancellationToken = default);

    Task<EvalWindows> EvalsAsync(InvestigationSubject subject, CancellationToken cancellationToken = default);

    /// <summary>Version values (model, model_version, prompt_version) before and after the onset.</summary>
    Task<IReadOnlyList<DimensionSlice>> VersionsAsync(InvestigationSubject subject, CancellationToken cancellationToken = default);

    Task<PromptDiffResult> PromptDiffAsync(string? feature, DateTimeOffset onset, CancellationToken cancellationToken = default);

    Task<RetrievalDiffResult> RetrievalDiffAsync(string? feature, DateTimeOffset onset, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<FlowCost>> TopCostFlowsAsync(string? feature, DateTimeOffset from, DateTimeOffset to, int top = 10, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TraceLength>> LongestTracesAsync(string? feature, DateTimeOffset from, DateTimeOffset to, int top = 10, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TrendPoint>> PromptLengthTrendAsync(string? feature, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Calls, error rate and mean latency per value of provider or region (or any aggregate dimension).</summary>
    Task<IReadOnlyList<BreakdownRow>> BreakdownAsync(string dimension, string? feature, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<VendorStatus>> VendorStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Calls whose scanner findings are of the given kinds (pii, cross_tenant, injection …).</summary>
    Task<AffectedCalls> AffectedAsync(string? feature, IReadOnlyCollection<string> findingKinds, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LoggedCall>> CallsAsync(CallQuery query, CancellationToken cancellationToken = default);

    /// <summary>Exact totals over every call matching the filter, computed by the store (see <see cref="ICallLog.TotalsAsync"/>).</summary>
    Task<IReadOnlyList<CallTotals>> TotalsAsync(CallQuery filter, IReadOnlyList<string>? groupBy = null, int maxGroups = int.MaxValue, CancellationToken cancellationToken = default);
}

/// <summary>Eval pass rates before and after an onset, and the failing cases per prompt and model version after it.</summary>
public sealed record EvalWindows(int BeforeCases, double BeforePassRate, int AfterCases, double AfterPassRate, IReadOnlyList<DimensionSlice> Slices);

/// <summary>The most used system prompt before and after an onset, and their line diff.</summary>
public sealed record PromptDiffResult(string? BeforeVersion, string? AfterVersion, string? Before, string? After, IReadOnlyList<DiffPiece> Lines)
{
    public int Added => Lines.Count(l => l.Op == '+');
    public int Removed => Lines.Count(l => l.Op == '-');
}

/// <summary>Spend of one feature × tenant × model flow.</summary>
public sealed record FlowCost(string? Feature, string? Tenant, string? Model, long Calls, double CostUsd, double CostPerCall);

/// <summary>How many calls one trace made.</summary>
public sealed record TraceLength(string TraceId, string? Feature, int Calls, double CostUsd);

/// <summary>A value of a time series (e.g. mean input tokens per hour).</summary>
public sealed record TrendPoint(string Bucket, long Calls, double Value);

/// <summary>One value of a dimension with its health.</summary>
public sealed record BreakdownRow(string? Value, long Calls, double ErrorRate, double TimeoutRate, double MeanLatencyMs);

/// <summary>A vendor's status page: indicator none|minor|major|critical, or unknown when unreachable.</summary>
public sealed record VendorStatus(string Vendor, string Indicator, string Description, string Url)
{
    public bool Degraded => Indicator is "minor" or "major" or "critical";
}

/// <summary>Calls with matching findings and who they touched.</summary>
public sealed record AffectedCalls(int Calls, IReadOnlyList<string> Users, IReadOnlyList<string> Tenants, IReadOnlyList<string> CallIds, IReadOnlyDictionary<string, int> ByEntity);
