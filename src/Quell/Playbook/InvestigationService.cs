using Quell.Calls;
using Quell.Configuration;
using Quell.Investigation;
using Quell.Storage;

namespace Quell.Playbook;

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

        // Changes up to a day before the window and a little after the onset are candidates.
        var recorded = await changes.QueryAsync(from.AddHours(-24), onset.AddHours(1), null, 500, cancellationToken).ConfigureAwait(false);
        var ratio = (onset - from).TotalSeconds > 0 ? (to - onset).TotalSeconds / (onset - from).TotalSeconds : 1;
        return ChangeCorrelator.Rank(subject, slices, recorded, new CorrelationOptions { AfterToBeforeDuration = ratio });
    }

    public async Task<EvalWindows> EvalsAsync(InvestigationSubject subject, CancellationToken cancellationToken = default)
    {
        var (from, onset, to) = Windows(subject.Onset);
        var evals = await quality.QueryEvalsAsync(from, to, subject.Feature, cancellationToken).ConfigureAwait(false);
        var before = evals.Where(e => e.Timestamp < onset).ToList();
        var after = evals.Where(e => e.Timestamp >= onset).ToList();
        static double Rate(List<Detection.EvalResult> x) => x.Count == 0 ? double.NaN : x.Count(e => e.Passed) / (double)x.Count;
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
        var list = await calls.QueryAsync(new CallQuery { Feature = feature, From = from, To = to, Limit = 10_000 }, cancellationToken).ConfigureAwait(false);
        return list.Where(c => c.Call.TraceId is not null)
            .GroupBy(c => c.Call.TraceId!, StringComparer.Ordinal)
            .Select(g => new TraceLength(g.Key, g.First().Call.Feature, g.Count(), g.Sum(c => c.Call.CostUsd ?? 0)))
            .OrderByDescending(t => t.Calls).ThenBy(t => t.TraceId, StringComparer.Ordinal).Take(top).ToList();
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
        var list = await calls.QueryAsync(new CallQuery { Feature = feature, From = from, To = to, Limit = 10_000 }, cancellationToken).ConfigureAwait(false);
        var hit = list.Where(c => c.Call.Findings.Any(f => findingKinds.Contains(f.Kind))).Select(c => c.Call).ToList();
        return new AffectedCalls(
            hit.Count,
            hit.Where(c => c.User is not null).Select(c => c.User!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            hit.Where(c => c.Tenant is not null).Select(c => c.Tenant!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            hit.Select(c => c.Id).Take(100).ToList(),
            hit.SelectMany(c => c.Findings).Where(f => findingKinds.Contains(f.Kind)).GroupBy(f => f.Entity, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
    }

    public Task<IReadOnlyList<LoggedCall>> CallsAsync(CallQuery query, CancellationToken cancellationToken = default) => calls.QueryAsync(query, cancellationToken);
}
