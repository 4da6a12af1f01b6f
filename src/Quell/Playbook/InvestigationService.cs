using Quell.Calls;
using Quell.Configuration;
using Quell.Investigation;
using Quell.Storage;

namespace Quell.Server.Playbook;

/// <summary>Answers investigation questions from the calls log, the change log and the eval results.</summary>
public sealed class InvestigationService(ICallLog calls, IChangeLog changes, IQualityLog quality, VendorStatusReader vendors, PlaybookConfig config, TimeProvider time) : IInvestigationSource
{
    public (DateTimeOffset From, DateTimeOffset Onset, DateTimeOffset To) Windows(DateTimeOffset onset)
    {
        var now = time.GetUtcNow();
        var to = onset + config.BaselineWindow;
        return (onset - config.BaselineWindow, onset, to > now && now > onset ? now : to);
    }

    public async Task<IReadOnlyList<CorrelationCandidate>> CorrelateAsync(InvestigationSubject subject, CancellationToken cancellationToken = default)
    {
        var (from, onset, to) = Windows(subject.Onset);
        var metric = AnomalyMetrics.For(subject.Category, subject.Signal);
        IReadOnlyList<DimensionSlice> slices;
        if (metric == AnomalyMetric.EvalFailures)
        {
            var evals = await quality.QueryEvalsAsync(from, to, subject.Feature, cancellationToken).ConfigureAwait(false);
            slices = DimensionSlices.FromEvals(evals, onset);
        }
        else
        {
            var list = new List<DimensionSlice>();
            foreach (var dim in DimensionSlices.CallDimensions)
            {
                var before = await calls.AggregateAsync([dim], from, onset, subject.Feature, cancellationToken).ConfigureAwait(false);
                var after = await calls.AggregateAsync([dim], onset, to, subject.Feature, cancellationToken).ConfigureAwait(false);
                list.AddRange(DimensionSlices.FromAggregates(dim, metric, before, after));
            }

            slices = list;
        }

        // Changes up to a day before the window and up to the end of the after window are candidates (the onset
        // estimate can come before the change that caused the anomaly; the correlator decides what a late change explains).
        var recorded = await changes.QueryAsync(from.AddHours(-24), Max(to, onset.AddHours(1)), null, 500, cancellationToken).ConfigureAwait(false);
        var ratio = (onset - from).TotalSeconds > 0 ? (to - onset).TotalSeconds / (onset - from).TotalSeconds : 1;
        return ChangeCorrelator.Rank(subject, slices, recorded, new CorrelationOptions { AfterToBeforeDuration = ratio });
    }

    public async Task<EvalWindows> EvalsAsync(InvestigationSubject subject, CancellationToken cancellationToken = default)
    {
        var (from, onset, to) = Windows(subject.Onset);
        var evals = await quality.QueryEvalsAsync(from, to, subject.Feature, cancellationToken).ConfigureAwait(false);
        var before = evals.Where(e => e.Timestamp < onset).ToList();
        var after = evals.Where(e => e.Timestamp >= onset).ToList();
        static double Rate(List<Quell.Detection.EvalResult> x) => x.Count == 0 ? double.NaN : x.Count(e => e.Passed) / (double)x.Count;
        return new EvalWindows(before.Count, Rate(before), after.Count, Rate(after), DimensionSlices.FromEvals(evals, onset));
    }

    public async Task<IReadOnlyList<DimensionSlice>> VersionsAsync(InvestigationSubject subject, CancellationToken cancellationToken = default)
    {
        var (from, onset, to) = Windows(subject.Onset);
        var result = new List<DimensionSlice>();
        foreach (var dim in (string[])["model", "model_version", "prompt_version"])
        {
            var before = await calls.AggregateAsync([dim], from, onset, subject.Feature, cancellationToken).ConfigureAwait(false);
            var after = await calls.AggregateAsync([dim], onset, to, subject.Feature, cancellationToken).ConfigureAwait(false);
            result.AddRange(DimensionSlices.FromAggregates(dim, AnomalyMetric.Errors, before, after));
        }

        return result;
    }

    public async Task<PromptDiffResult> PromptDiffAsync(string? feature, DateTimeOffset onset, CancellationToken cancellationToken = default)
    {
        var (from, _, to) = Windows(onset);
        var before = await calls.QueryAsync(new CallQuery { Feature = feature, From = from, To = onset, Limit = 2000 }, cancellationToken).ConfigureAwait(false);
        var after = await calls.QueryAsync(new CallQuery { Feature = feature, From = onset, To = to, Limit = 2000 }, cancellationToken).ConfigureAwait(false);
        static (string? Prompt, string? Version) Dominant(IReadOnlyList<LoggedCall> list) =>
            list.Where(c => c.Call.SystemPrompt is not null)
                .GroupBy(c => c.Call.SystemPrompt!, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count())
                .Select(g => ((string?)g.Key, g.First().Call.PromptVersion))
                .FirstOrDefault();
        var (b, bv) = Dominant(before);
        var (a, av) = Dominant(after);
        return new PromptDiffResult(bv, av, b, a, TextDiff.Lines(b, a));
    }

    public async Task<RetrievalDiffResult> RetrievalDiffAsync(string? feature, DateTimeOffset onset, CancellationToken cancellationToken = default)
    {
        var (from, _, to) = Windows(onset);
        var before = await calls.QueryAsync(new CallQuery { Feature = feature, From = from, To = onset, Limit = 5000 }, cancellationToken).ConfigureAwait(false);
        var after = await calls.QueryAsync(new CallQuery { Feature = feature, From = onset, To = to, Limit = 5000 }, cancellationToken).ConfigureAwait(false);
        return RetrievalDiff.Compare(before.Select(c => c.Call).ToList(), after.Select(c => c.Call).ToList());
    }

    public async Task<IReadOnlyList<FlowCost>> TopCostFlowsAsync(string? feature, DateTimeOffset from, DateTimeOffset to, int top = 10, CancellationToken cancellationToken = default)
    {
        var rows = await calls.AggregateAsync(["feature", "tenant", "model"], from, to, feature, cancellationToken).ConfigureAwait(false);
        return rows.OrderByDescending(r => r.CostUsd).Take(top)
            .Select(r => new FlowCost(r.Key[0], r.Key[1], r.Key[2], r.Calls, r.CostUsd, r.Calls == 0 ? 0 : r.CostUsd / r.Calls))
            .ToList();
    }

    public async Task<IReadOnlyList<TraceLength>> LongestTracesAsync(string? feature, DateTimeOffset from, DateTimeOffset to, int top = 10, CancellationToken cancellationToken = default)
    {
        var window = new CallQuery { Feature = feature, From = from, To = to };

        // One more group than asked: calls without a trace form a group of their own.
        var rows = await calls.TotalsAsync(window, ["trace_id"], top + 1, cancellationToken).ConfigureAwait(false);
        var result = new List<TraceLength>();
        foreach (var r in rows.Where(r => r.Key[0] is not null).Take(top))
        {
            var byFeature = feature is null ? await calls.TotalsAsync(window with { TraceId = r.Key[0] }, ["feature"], 1, cancellationToken).ConfigureAwait(false) : [];
            var traceFeature = feature ?? (byFeature.Count > 0 ? byFeature[0].Key[0] : null);
            result.Add(new TraceLength(r.Key[0]!, traceFeature, checked((int)r.Calls), r.CostUsd));
        }

        return result;
    }

    public async Task<IReadOnlyList<TrendPoint>> PromptLengthTrendAsync(string? feature, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var rows = await calls.AggregateAsync(["hour"], from, to, feature, cancellationToken).ConfigureAwait(false);
        return rows.OrderBy(r => r.Key[0], StringComparer.Ordinal).Select(r => new TrendPoint(r.Key[0] ?? "", r.Calls, r.Calls == 0 ? 0 : r.InputTokens / (double)r.Calls)).ToList();
    }

    public async Task<IReadOnlyList<BreakdownRow>> BreakdownAsync(string dimension, string? feature, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var rows = await calls.AggregateAsync([dimension], from, to, feature, cancellationToken).ConfigureAwait(false);
        return rows.OrderByDescending(r => r.Calls)
            .Select(r => new BreakdownRow(r.Key[0], r.Calls, r.Errors / (double)Math.Max(1, r.Calls), r.Timeouts / (double)Math.Max(1, r.Calls), r.LatencyMsSum / Math.Max(1, r.Calls)))
            .ToList();
    }

    public Task<IReadOnlyList<VendorStatus>> VendorStatusAsync(CancellationToken cancellationToken = default) => vendors.ReadAllAsync(cancellationToken);

    public async Task<AffectedCalls> AffectedAsync(string? feature, IReadOnlyCollection<string> findingKinds, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        // Counted by the store over every matching call: exact however many calls the window holds.
        var q = new CallQuery { Feature = feature, From = from, To = to, FindingKinds = findingKinds.ToList() };
        var findings = await calls.FindingTotalsAsync(q, findingKinds, cancellationToken).ConfigureAwait(false);
        if (findings.Calls == 0)
        {
            return new AffectedCalls(0, [], [], [], new Dictionary<string, int>(StringComparer.Ordinal));
        }

        var users = await calls.DistinctAsync(q, "user", int.MaxValue, cancellationToken).ConfigureAwait(false);
        var tenants = await calls.DistinctAsync(q, "tenant", int.MaxValue, cancellationToken).ConfigureAwait(false);
        var ids = await calls.QueryAsync(q with { Limit = 100 }, cancellationToken).ConfigureAwait(false);
        return new AffectedCalls(
            checked((int)findings.Calls),
            users,
            tenants,
            ids.Select(c => c.Call.Id).ToList(),
            findings.ByEntity.ToDictionary(p => p.Key, p => checked((int)p.Value), StringComparer.Ordinal));
    }

    public Task<IReadOnlyList<LoggedCall>> CallsAsync(CallQuery query, CancellationToken cancellationToken = default) => calls.QueryAsync(query, cancellationToken);

    public Task<IReadOnlyList<CallTotals>> TotalsAsync(CallQuery filter, IReadOnlyList<string>? groupBy = null, int maxGroups = int.MaxValue, CancellationToken cancellationToken = default) =>
        calls.TotalsAsync(filter, groupBy, maxGroups, cancellationToken);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
