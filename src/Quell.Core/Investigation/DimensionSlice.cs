using Quell.Calls;
using Quell.Detection;
using Quell.Storage;

namespace Quell.Investigation;

/// <summary>
/// One dimension value before and after the onset: how many calls (or eval cases) carried it and the sum of the
/// anomaly metric over them (a count for rates, a total for latency, cost or tokens).
/// </summary>
public sealed record DimensionSlice(string Dimension, string Value, double BeforeCount, double BeforeMetric, double AfterCount, double AfterMetric);

/// <summary>Builds before/after slices from calls, eval results or stored aggregates.</summary>
public static class DimensionSlices
{
    /// <summary>Dimensions compared for call metrics.</summary>
    public static readonly IReadOnlyList<string> CallDimensions = ["prompt_version", "model_version", "model", "provider", "region", "tenant", "operation"];

    /// <summary>Dimensions eval results carry.</summary>
    public static readonly IReadOnlyList<string> EvalDimensions = ["prompt_version", "model_version", "model"];

    public static double MetricOf(AnomalyMetric metric, DimensionAggregate a) => metric switch
    {
        AnomalyMetric.Errors => a.Errors,
        AnomalyMetric.Timeouts => a.Timeouts,
        AnomalyMetric.LatencyMs => a.LatencyMsSum,
        AnomalyMetric.CostUsd => a.CostUsd,
        AnomalyMetric.InputTokens => a.InputTokens,
        AnomalyMetric.OutputTokens => a.OutputTokens,
        _ => a.Calls,
    };

    public static double MetricOf(AnomalyMetric metric, CallRecord c) => metric switch
    {
        AnomalyMetric.Errors => c.IsError ? 1 : 0,
        AnomalyMetric.Timeouts => c.ErrorType == ErrorTypes.Timeout ? 1 : 0,
        AnomalyMetric.LatencyMs => c.LatencyMs ?? 0,
        AnomalyMetric.CostUsd => c.CostUsd ?? 0,
        AnomalyMetric.InputTokens => c.InputTokens,
        AnomalyMetric.OutputTokens => c.OutputTokens,
        _ => 1,
    };

    /// <summary>Slices of one dimension from aggregates of the before and after windows.</summary>
    public static IEnumerable<DimensionSlice> FromAggregates(string dimension, AnomalyMetric metric, IEnumerable<DimensionAggregate> before, IEnumerable<DimensionAggregate> after)
    {
        var map = new Dictionary<string, (double Bc, double Bm, double Ac, double Am)>(StringComparer.Ordinal);
        foreach (var a in before)
        {
            var k = a.Key[0] ?? "(none)";
            var v = map.GetValueOrDefault(k);
            map[k] = (v.Bc + a.Calls, v.Bm + MetricOf(metric, a), v.Ac, v.Am);
        }

        foreach (var a in after)
        {
            var k = a.Key[0] ?? "(none)";
            var v = map.GetValueOrDefault(k);
            map[k] = (v.Bc, v.Bm, v.Ac + a.Calls, v.Am + MetricOf(metric, a));
        }

        return map.Select(p => new DimensionSlice(dimension, p.Key, p.Value.Bc, p.Value.Bm, p.Value.Ac, p.Value.Am));
    }

    /// <summary>Slices of every call dimension from raw calls split at the onset.</summary>
    public static IReadOnlyList<DimensionSlice> FromCalls(IEnumerable<CallRecord> calls, DateTimeOffset onset, AnomalyMetric metric, IReadOnlyList<string>? dimensions = null)
    {
        var list = calls as IReadOnlyCollection<CallRecord> ?? calls.ToList();
        var result = new List<DimensionSlice>();
        foreach (var dim in dimensions ?? CallDimensions)
        {
            var agg = list.GroupBy(c => (Value: DimensionAggregate.ValueOf(c, dim) ?? "(none)", After: c.Timestamp >= onset))
                .Select(g => (g.Key, Count: (double)g.Count(), Metric: g.Sum(c => MetricOf(metric, c))))
                .ToList();
            foreach (var value in agg.Select(a => a.Key.Value).Distinct(StringComparer.Ordinal))
            {
                var b = agg.FirstOrDefault(a => a.Key == (value, false));
                var a2 = agg.FirstOrDefault(a => a.Key == (value, true));
                result.Add(new DimensionSlice(dim, value, b.Count, b.Metric, a2.Count, a2.Metric));
            }
        }

        return result;
    }

    /// <summary>Slices of eval dimensions, the metric being failed cases.</summary>
    public static IReadOnlyList<DimensionSlice> FromEvals(IEnumerable<EvalResult> evals, DateTimeOffset onset)
    {
        var list = evals as IReadOnlyCollection<EvalResult> ?? evals.ToList();
        var result = new List<DimensionSlice>();
        foreach (var dim in EvalDimensions)
        {
            foreach (var g in list.GroupBy(e => dim switch { "prompt_version" => e.PromptVersion, "model_version" => e.ModelVersion, _ => e.Model } ?? "(none)", StringComparer.Ordinal))
            {
                var before = g.Where(e => e.Timestamp < onset).ToList();
                var after = g.Where(e => e.Timestamp >= onset).ToList();
                result.Add(new DimensionSlice(dim, g.Key, before.Count, before.Count(e => !e.Passed), after.Count, after.Count(e => !e.Passed)));
            }
        }

        return result;
    }
}
