using Quell.Alerts;

namespace Quell.WebConsole;

/// <summary>One figure read from the logs: when, under which key (model, or feature and model), and its values.</summary>
public readonly record struct FigurePoint(long AtMs, string Key, double? LatencyMs, double? TtftMs, bool Error, bool Timeout, double? CostUsd, long InputTokens, long OutputTokens, string? TraceId);

/// <summary>A quality observation: an eval result (pass) or a feedback vote (negative).</summary>
public readonly record struct QualityPoint(long AtMs, string Key, bool Good);

/// <summary>The metric a signal is drawn as, and how one bucket of figures becomes one value.</summary>
public enum SeriesMetric
{
    LatencyP95,
    LatencyP99,
    TtftP95,
    ErrorRate,
    TimeoutRate,
    CostPerCall,
    SpendPerHour,
    InputTokensPerCall,
    OutputTokensPerCall,
    CallsPerTrace,
    Calls,
    EvalPassRate,
    NegativeFeedbackRate,
}

/// <summary>Time-bucketed values with the band the values kept before the onset.</summary>
public sealed record ChartSeries(string Metric, string Unit, long StepMs, IReadOnlyList<long> Times, IReadOnlyList<double?> Values, Band? Band);

/// <summary>Where values usually lie: median ± 3 scaled MADs of the buckets before the onset.</summary>
public sealed record Band(double Low, double Center, double High, int Buckets);

/// <summary>Buckets figures into a chart series; pure and deterministic so tests and the server share it.</summary>
public static class ConsoleSeries
{
    /// <summary>Buckets per chart: hourly over 14 days, a readable line on a laptop screen.</summary>
    public const int TargetBuckets = 336;

    public static SeriesMetric MetricFor(string signal) => signal switch
    {
        AlertSignals.LatencyP95 or AlertSignals.LatencySlo => SeriesMetric.LatencyP95,
        AlertSignals.LatencyP99 => SeriesMetric.LatencyP99,
        AlertSignals.TtftP95 => SeriesMetric.TtftP95,
        AlertSignals.ErrorRate or AlertSignals.ErrorBudgetBurn => SeriesMetric.ErrorRate,
        AlertSignals.TimeoutRate => SeriesMetric.TimeoutRate,
        AlertSignals.CostPerCall => SeriesMetric.CostPerCall,
        AlertSignals.SpendRate => SeriesMetric.SpendPerHour,
        AlertSignals.InputTokensPerCall => SeriesMetric.InputTokensPerCall,
        AlertSignals.OutputTokensPerCall => SeriesMetric.OutputTokensPerCall,
        AlertSignals.CallsPerTrace or AlertSignals.RepeatedToolCalls => SeriesMetric.CallsPerTrace,
        AlertSignals.EvalPassRate or AlertSignals.QualityDrift => SeriesMetric.EvalPassRate,
        AlertSignals.NegativeFeedbackRate => SeriesMetric.NegativeFeedbackRate,
        _ => SeriesMetric.Calls,
    };

    public static bool IsQuality(SeriesMetric m) => m is SeriesMetric.EvalPassRate or SeriesMetric.NegativeFeedbackRate;

    public static string Name(SeriesMetric m) => m switch
    {
        SeriesMetric.LatencyP95 => "latency_p95",
        SeriesMetric.LatencyP99 => "latency_p99",
        SeriesMetric.TtftP95 => "ttft_p95",
        SeriesMetric.ErrorRate => "error_rate",
        SeriesMetric.TimeoutRate => "timeout_rate",
        SeriesMetric.CostPerCall => "cost_per_call",
        SeriesMetric.SpendPerHour => "spend_per_hour",
        SeriesMetric.InputTokensPerCall => "input_tokens_per_call",
        SeriesMetric.OutputTokensPerCall => "output_tokens_per_call",
        SeriesMetric.CallsPerTrace => "calls_per_trace",
        SeriesMetric.EvalPassRate => "eval_pass_rate",
        SeriesMetric.NegativeFeedbackRate => "negative_feedback_rate",
        _ => "calls",
    };

    public static string Unit(SeriesMetric m) => m switch
    {
        SeriesMetric.LatencyP95 or SeriesMetric.LatencyP99 or SeriesMetric.TtftP95 => "ms",
        SeriesMetric.ErrorRate or SeriesMetric.TimeoutRate or SeriesMetric.EvalPassRate or SeriesMetric.NegativeFeedbackRate => "ratio",
        SeriesMetric.CostPerCall => "usd",
        SeriesMetric.SpendPerHour => "usd/h",
        SeriesMetric.InputTokensPerCall or SeriesMetric.OutputTokensPerCall => "tokens",
        SeriesMetric.CallsPerTrace => "calls/trace",
        _ => "calls",
    };

    /// <summary>A bucket width in whole minutes that gives about <see cref="TargetBuckets"/> buckets over the range.</summary>
    public static long StepMs(TimeSpan range)
    {
        long[] minutes = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
        var want = range.TotalMinutes / TargetBuckets;
        return minutes.FirstOrDefault(m => m >= want, minutes[^1]) * 60_000;
    }

    public static ChartSeries FromCalls(SeriesMetric metric, long fromMs, long toMs, long stepMs, IEnumerable<FigurePoint> points, long? onsetMs)
    {
        var n = (int)Math.Max(1, (toMs - fromMs + stepMs - 1) / stepMs);
        var buckets = new List<FigurePoint>?[n];
        foreach (var p in points)
        {
            if (p.AtMs < fromMs || p.AtMs >= toMs)
            {
                continue;
            }

            (buckets[(p.AtMs - fromMs) / stepMs] ??= []).Add(p);
        }

        var values = buckets.Select(b => b is null || b.Count == 0 ? (double?)null : Value(metric, b, stepMs)).ToList();
        return Build(metric, fromMs, stepMs, values, onsetMs);
    }

    /// <summary>A series from per-bucket values (bucket index → value) as the store computed them.</summary>
    public static ChartSeries FromBuckets(SeriesMetric metric, long fromMs, long toMs, long stepMs, IReadOnlyDictionary<long, double> buckets, long? onsetMs)
    {
        var n = (int)Math.Max(1, (toMs - fromMs + stepMs - 1) / stepMs);
        var values = Enumerable.Range(0, n).Select(i => buckets.TryGetValue(i, out var v) ? v : (double?)null).ToList();
        return Build(metric, fromMs, stepMs, values, onsetMs);
    }

    public static ChartSeries FromQuality(SeriesMetric metric, long fromMs, long toMs, long stepMs, IEnumerable<QualityPoint> points, long? onsetMs)
    {
        var n = (int)Math.Max(1, (toMs - fromMs + stepMs - 1) / stepMs);
        var good = new int[n];
        var all = new int[n];
        foreach (var p in points)
        {
            if (p.AtMs < fromMs || p.AtMs >= toMs)
            {
                continue;
            }

            var i = (p.AtMs - fromMs) / stepMs;
            all[i]++;
            good[i] += p.Good ? 1 : 0;
        }

        var values = Enumerable.Range(0, n).Select(i => all[i] == 0 ? (double?)null : metric == SeriesMetric.NegativeFeedbackRate ? (all[i] - good[i]) / (double)all[i] : good[i] / (double)all[i]).ToList();
        return Build(metric, fromMs, stepMs, values, onsetMs);
    }

    private static ChartSeries Build(SeriesMetric metric, long fromMs, long stepMs, List<double?> values, long? onsetMs)
    {
        var times = Enumerable.Range(0, values.Count).Select(i => fromMs + (i * stepMs)).ToList();
        var before = values.Where((v, i) => v is not null && (onsetMs is null || times[i] + stepMs <= onsetMs)).Select(v => v!.Value).ToList();
        return new ChartSeries(Name(metric), Unit(metric), stepMs, times, values, BandOf(before));
    }

    /// <summary>
    /// Median ± 3 × 1.4826 × MAD: the robust equivalent of mean ± 3σ, so the excess after the onset and a few
    /// outliers before it do not widen the band. Needs five buckets; fewer say nothing about normal.
    /// </summary>
    public static Band? BandOf(IReadOnlyList<double> before)
    {
        if (before.Count < 5)
        {
            return null;
        }

        var median = Median(before);
        var mad = Median(before.Select(v => Math.Abs(v - median)).ToList()) * 1.4826;
        return new Band(median - (3 * mad), median, median + (3 * mad), before.Count);
    }

    public static double Quantile(List<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var s = values.Order().ToList();
        return Quantile(s, 0.5);
    }

    internal static double? Value(SeriesMetric metric, List<FigurePoint> b, long stepMs)
    {
        switch (metric)
        {
            case SeriesMetric.LatencyP95:
            case SeriesMetric.LatencyP99:
            case SeriesMetric.TtftP95:
                var xs = b.Select(p => metric == SeriesMetric.TtftP95 ? p.TtftMs : p.LatencyMs).Where(v => v is not null).Select(v => v!.Value).Order().ToList();
                return xs.Count == 0 ? null : Quantile(xs, metric == SeriesMetric.LatencyP99 ? 0.99 : 0.95);
            case SeriesMetric.ErrorRate:
                return b.Count(p => p.Error) / (double)b.Count;
            case SeriesMetric.TimeoutRate:
                return b.Count(p => p.Timeout) / (double)b.Count;
            case SeriesMetric.CostPerCall:
                return b.Sum(p => p.CostUsd ?? 0) / b.Count;
            case SeriesMetric.SpendPerHour:
                return b.Sum(p => p.CostUsd ?? 0) * 3_600_000 / stepMs;
            case SeriesMetric.InputTokensPerCall:
                return b.Average(p => (double)p.InputTokens);
            case SeriesMetric.OutputTokensPerCall:
                return b.Average(p => (double)p.OutputTokens);
            case SeriesMetric.CallsPerTrace:
                var traces = b.Where(p => p.TraceId is not null).Select(p => p.TraceId).Distinct(StringComparer.Ordinal).Count();
                return traces == 0 ? null : b.Count(p => p.TraceId is not null) / (double)traces;
            default:
                return b.Count;
        }
    }
}
