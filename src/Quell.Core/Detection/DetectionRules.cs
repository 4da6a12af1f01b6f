using Quell.Alerts;

namespace Quell.Detection;

/// <summary>
/// Everything the detection engine can be told, with defaults that work with no configuration at all. Shaped for
/// the <c>detection:</c> section of quell.yaml: settable properties, numbers in plain units, maps keyed by name.
/// </summary>
public sealed record DetectionRules
{
    /// <summary>How often (event time) windows are evaluated; per-call work never waits for this.</summary>
    public int EvaluationSeconds { get; init; } = 10;

    /// <summary>Most feature × model × provider × operation series tracked; later ones fold into "other".</summary>
    public int MaxSeries { get; init; } = 1000;

    public LatencyRules Latency { get; init; } = new();
    public ErrorRules Errors { get; init; } = new();
    public CostRules Cost { get; init; } = new();
    public LoopRules Loops { get; init; } = new();
    public QualityRules Quality { get; init; } = new();
    public AttributionRules Attribution { get; init; } = new();

    /// <summary>Per-feature guard rails and SLOs, keyed by feature name.</summary>
    public Dictionary<string, FeatureRules> Features { get; init; } = [];

    /// <summary>Guard rails of <paramref name="feature"/>, or an empty override.</summary>
    public FeatureRules For(string? feature) =>
        feature is not null && Features.TryGetValue(feature, out var rules) ? rules : FeatureRules.Empty;
}

/// <summary>Shift detection shared by latency, cost and token signals.</summary>
public sealed record ShiftRules
{
    /// <summary>Calls a block needs before its statistic is tested (blocks close on evaluation ticks).</summary>
    public int MinSamples { get; init; } = 100;

    /// <summary>Blocks that must be learned before the detector may fire.</summary>
    public int WarmupBlocks { get; init; } = 60;

    /// <summary>Practical significance: observed / baseline must reach this before firing.</summary>
    public double MinRatio { get; init; } = 1.5;

    /// <summary>The alert resolves once observed / baseline stays below this for <see cref="RecoveryMinutes"/>.</summary>
    public double ResolveRatio { get; init; } = 1.2;
    public int RecoveryMinutes { get; init; } = 10;

    /// <summary>CUSUM slack and threshold, in robust standard deviations of the block statistic.</summary>
    public double CusumSlack { get; init; } = 1.0;
    public double CusumThreshold { get; init; } = 6.0;

    /// <summary>Smallest spread assumed, relative to the level (log units), so quiet series don't alert on noise.</summary>
    public double MinRelativeSpread { get; init; } = 0.05;

    /// <summary>After firing this long the new level becomes the baseline and the alert resolves.</summary>
    public int AdoptNewLevelAfterHours { get; init; } = 24;
}

/// <summary>Latency quantile shifts and latency SLO guard rails.</summary>
public sealed record LatencyRules
{
    // Block sizes keep the sampling noise of the quantile near 0.12 in log units for lognormal latencies, so the
    // 1.5× ratio gate sits beyond 3σ of noise: p95 needs ~100 calls, p99 ~300.
    public ShiftRules P95 { get; init; } = new() { MinSamples = 100 };
    public ShiftRules P99 { get; init; } = new() { MinSamples = 300 };
    public ShiftRules TtftP95 { get; init; } = new() { MinSamples = 100 };

    /// <summary>
    /// Fast tier: a Bernoulli CUSUM on every call counts calls above the learned quantile (5 % of calls for p95 under no
    /// change) against this multiple of that rate; when the evidence is decisive the open block closes early, from half
    /// its calls, and is tested as usual. A slow series then pages a big shift after a few dozen calls instead of waiting
    /// for a full block. Null turns the tier off. 5: a quarter of the calls above the old p95, which a ×3 on a third of
    /// the traffic exceeds and the noise of a daily cycle does not.
    /// </summary>
    public double? FastExceedanceRatio { get; init; } = 5;

    /// <summary>Log-likelihood ratio the fast tier needs: ln 10^6, as the error rate's fast tier.</summary>
    public double FastThreshold { get; init; } = 13.8;

    /// <summary>Sketch relative accuracy (1 % keeps p99 honest with ~100 bins per decade).</summary>
    public double SketchAccuracy { get; init; } = 0.01;

    /// <summary>Window for SLO guard rails, in minutes.</summary>
    public int SloWindowMinutes { get; init; } = 5;

    /// <summary>Calls the SLO window needs before a guard rail can fire.</summary>
    public int SloMinSamples { get; init; } = 50;

    /// <summary>Default p95/p99 ceilings in ms for every feature; null disables. Features may override.</summary>
    public double? SloP95Ms { get; init; }
    public double? SloP99Ms { get; init; }
}

/// <summary>Error-budget burn alerts (Google SRE workbook, multiwindow multi-burn-rate).</summary>
public sealed record ErrorRules
{
    /// <summary>Fraction of calls that must succeed; the error budget is 1 − target.</summary>
    public double SloTarget { get; init; } = 0.99;

    public List<BurnRateWindow> Windows { get; init; } =
    [
        new() { LongMinutes = 60, ShortMinutes = 5, BurnRate = 14.4 },
        new() { LongMinutes = 360, ShortMinutes = 30, BurnRate = 6 },
    ];

    /// <summary>Calls the short window needs before it can fire: one error among three calls is not an outage.</summary>
    public int MinCallsShortWindow { get; init; } = 20;
    public int RecoveryMinutes { get; init; } = 5;

    /// <summary>
    /// Fast tier: a Bernoulli CUSUM on every call, budget rate against this multiple of it, pages a big burst as soon as
    /// the evidence is decisive instead of waiting for the 1-hour window to fill. Null turns the tier off. 14.4 is the
    /// workbook's fastest page rate, so the tier pages exactly what the 1 h/5 min pair would, only sooner.
    /// </summary>
    public double? FastBurnRate { get; init; } = 14.4;

    /// <summary>
    /// Log-likelihood ratio the fast tier needs: ln 10^6, so a series erring at exactly its budget rate crosses it about
    /// once per 4 million calls (simulated), and one at a 20× burn after ~33 calls.
    /// </summary>
    public double FastThreshold { get; init; } = 13.8;

    /// <summary>Where error alerts file: vendor-side errors are a latency incident unless configured otherwise.</summary>
    public AlertCategory Category { get; init; } = AlertCategory.Latency;
}

/// <summary>One long/short window pair and the burn rate both must exceed.</summary>
public sealed record BurnRateWindow
{
    public int LongMinutes { get; init; } = 60;
    public int ShortMinutes { get; init; } = 5;
    public double BurnRate { get; init; } = 14.4;
}

/// <summary>Cost and token shifts per call, and spend against budgets.</summary>
public sealed record CostRules
{
    // 1.3: real token mixes drift by a fifth within an hour (the Azure traces in docs/detection.md raise a false
    // output-tokens alert at 1.2), so a per-call mean must rise by about a third before it pages.
    public ShiftRules CostPerCall { get; init; } = new() { MinSamples = 100, MinRatio = 1.3, ResolveRatio = 1.1 };
    public ShiftRules InputTokensPerCall { get; init; } = new() { MinSamples = 100, MinRatio = 1.3, ResolveRatio = 1.1 };
    public ShiftRules OutputTokensPerCall { get; init; } = new() { MinSamples = 100, MinRatio = 1.3, ResolveRatio = 1.1 };

    /// <summary>Daily budgets in USD per tenant (UTC days).</summary>
    public Dictionary<string, double> DailyBudgetUsdByTenant { get; init; } = [];

    /// <summary>Fires early when the last hour's spend rate would exhaust the budget before the day ends.</summary>
    public bool AlertOnProjectedOverrun { get; init; } = true;

    /// <summary>Projection only counts once this fraction of the budget is spent.</summary>
    public double ProjectionMinSpentFraction { get; init; } = 0.25;
}

/// <summary>Agent-loop guard rails.</summary>
public sealed record LoopRules
{
    /// <summary>Hard cap on calls in one trace (or session when no trace id).</summary>
    public int MaxCallsPerTrace { get; init; } = 100;

    /// <summary>Most identical tool calls (same name and arguments hash) allowed in one trace.</summary>
    public int MaxIdenticalToolCalls { get; init; } = 5;

    /// <summary>Fire when a trace grows past this multiple of the feature's usual p95 trace length.</summary>
    public double TraceLengthFactor { get; init; } = 5;

    /// <summary>Never fire on relative length below this many calls.</summary>
    public int MinLoopCalls { get; init; } = 20;

    /// <summary>Completed traces a feature needs before its usual length is trusted.</summary>
    public int MinCompletedTraces { get; init; } = 50;

    /// <summary>A trace with no calls for this long is complete and its state is dropped.</summary>
    public int TraceIdleMinutes { get; init; } = 10;

    /// <summary>Most traces tracked at once; the least recently active are evicted first.</summary>
    public int MaxActiveTraces { get; init; } = 200_000;
}

/// <summary>Eval pass-rate and feedback tests, and slow drift over two weeks.</summary>
public sealed record QualityRules
{
    /// <summary>Pass-rate drop the SPRT is designed to detect (H1 p = baseline − drop).</summary>
    public double PassRateDrop { get; init; } = 0.10;

    /// <summary>Negative-feedback rise the SPRT is designed to detect (H1 q = baseline + rise).</summary>
    public double NegativeFeedbackRise { get; init; } = 0.10;

    /// <summary>
    /// SPRT false-alarm rate per test. The test restarts after every "no change" decision, so α is paid again
    /// every 60–80 results: at 0.05 a clean feature alarms every ~2,000 results (days, for hourly evals); 0.0001
    /// stretches that to ~600,000, still about one false page a month across a few features with hourly evals and
    /// feedback; 1e-6 makes a clean month quiet while a 10-point drop needs ~1.5× the results of 1e-4. See docs/detection.md.
    /// </summary>
    public double Alpha { get; init; } = 0.000001;

    /// <summary>SPRT miss rate per test.</summary>
    public double Beta { get; init; } = 0.05;

    /// <summary>Results needed to learn the baseline rate before testing (a baseline from fewer wanders by ±2 points).</summary>
    public int WarmupSamples { get; init; } = 400;

    /// <summary>Smallest sample behind an alert, and the Wilson bound (z) it must clear.</summary>
    public int MinSamples { get; init; } = 40;
    public double WilsonZ { get; init; } = 2.5;

    /// <summary>Practical significance: the observed drop must reach this share of the designed drop before an alert.</summary>
    public double MinObservedDropFraction { get; init; } = 0.5;

    /// <summary>Memory of the baseline rate in results: long, so a slow drift is not absorbed before it is seen.</summary>
    public int BaselineWindowSamples { get; init; } = 2000;

    /// <summary>Negative score threshold for feedback given as a score in [0, 1].</summary>
    public double NegativeScoreBelow { get; init; } = 0.5;
    public DriftRules Drift { get; init; } = new();
}

/// <summary>The long-horizon drift detector on daily aggregates.</summary>
public sealed record DriftRules
{
    public int HorizonDays { get; init; } = 14;
    public int ReferenceDays { get; init; } = 7;
    public int MinDailySamples { get; init; } = 30;
    public double CusumSlack { get; init; } = 0.5;
    public double CusumThreshold { get; init; } = 4.5;

    /// <summary>Theil–Sen slope (rate points per day, as a fraction) needed to call it a drift (0.4 points a day).</summary>
    public double MinSlopePerDay { get; init; } = 0.004;

    /// <summary>Floor of the daily standard error, for days with huge volumes and over-dispersed data.</summary>
    public double MinDailyStdError { get; init; } = 0.005;
}

/// <summary>Bounds of the "what changed" breakdown.</summary>
public sealed record AttributionRules
{
    /// <summary>Dimensions broken down for every series.</summary>
    public List<string> Dimensions { get; init; } = ["tenant", "prompt_version", "model_version", "region", "provider", "model", "user"];

    /// <summary>Distinct values tracked per dimension; the rest fold into "other".</summary>
    public int MaxValuesPerDimension { get; init; } = 64;

    /// <summary>Time constants (minutes) of the recent and baseline aggregates.</summary>
    public double RecentMinutes { get; init; } = 3;
    public double BaselineMinutes { get; init; } = 360;

    /// <summary>A value is named when it carries at least this share of the excess.</summary>
    public double MinShare { get; init; } = 0.6;
}

/// <summary>Per-feature overrides; null means "use the global rule".</summary>
public sealed record FeatureRules
{
    public static FeatureRules Empty { get; } = new();

    public double? SloP95Ms { get; init; }
    public double? SloP99Ms { get; init; }
    public double? ErrorSloTarget { get; init; }
    public double? DailyBudgetUsd { get; init; }
    public int? MaxCallsPerTrace { get; init; }
    public int? MaxIdenticalToolCalls { get; init; }
}
