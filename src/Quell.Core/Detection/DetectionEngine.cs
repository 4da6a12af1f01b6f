using System.Globalization;
using Quell.Alerts;
using Quell.Calls;
using Quell.Detection.Detectors;

namespace Quell.Detection;

/// <summary>
/// Quell's streaming detectors behind one door: feed calls, eval results and feedback in timestamp order, advance
/// time, and drain alert events. Deterministic for a given input; time comes only from the records and from
/// <see cref="AdvanceTo"/> (or the injected <see cref="TimeProvider"/> via <see cref="AdvanceToNow"/>).
/// </summary>
/// <remarks>Not thread-safe: one engine per partition of series, fed by one consumer.</remarks>
public sealed class DetectionEngine
{
    private static readonly string[] EvalDimensions = ["prompt_version", "model_version", "model", "suite"];
    private static readonly string[] FeedbackDimensions = ["prompt_version", "model_version", "model", "tenant"];

    private const long MaxCatchUpTicks = 8640;

    private readonly TimeProvider _time;
    private readonly long _intervalMs;
    private readonly AlertBook _book = new();
    private readonly Dictionary<SeriesKey, CallSeries> _series = [];
    private readonly List<CallSeries> _seriesOrder = [];
    private readonly Dictionary<(string Feature, string Suite), QualitySeries> _evals = [];
    private readonly Dictionary<string, QualitySeries> _feedback = new(StringComparer.Ordinal);
    private readonly List<QualitySeries> _qualityOrder = [];
    private readonly TraceLoopDetector _loops;
    private readonly SpendMonitor _spend;
    private readonly List<LoopFinding> _loopFindings = [];
    private readonly List<SpendFinding> _spendFindings = [];
    private readonly string?[] _dimensionBuffer = new string?[4];
    private long _nextTickMs = long.MinValue;
    private CallSeries? _lastSeries;
    private SeriesKey _lastKey;

    /// <summary>
    /// Creates an engine; null rules mean <c>new DetectionRules()</c>, null time means the system clock.
    /// Invalid rules throw: call <see cref="DetectionRulesValidation.Validate"/> first to report them as values.
    /// </summary>
    public DetectionEngine(DetectionRules? rules = null, TimeProvider? timeProvider = null)
    {
        Rules = rules ?? new DetectionRules();
        var problems = Rules.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid detection rules: " + string.Join("; ", problems), nameof(rules));
        }

        _time = timeProvider ?? TimeProvider.System;
        _intervalMs = Math.Max(1, Rules.EvaluationSeconds) * 1000L;
        _loops = new TraceLoopDetector(Rules);
        _spend = new SpendMonitor(Rules);
    }

    public DetectionRules Rules { get; }

    /// <summary>Event time the engine has evaluated up to.</summary>
    public DateTimeOffset Now { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>Sequence of the last logged call observed: the consumer's cursor to persist.</summary>
    public long LastSequence { get; private set; } = -1;

    public IReadOnlyCollection<Alert> ActiveAlerts => _book.Active;

    public int SeriesCount => _series.Count;

    /// <summary>Traces whose state is held for loop detection (bounded by idle eviction).</summary>
    public int ActiveTraces => _loops.ActiveTraces;

    /// <summary>Raised synchronously for every alert event, in order (the same events <see cref="Drain"/> returns).</summary>
    public event Action<AlertEvent>? AlertChanged
    {
        add => _book.Changed += value;
        remove => _book.Changed -= value;
    }

    public void Observe(in LoggedCall call)
    {
        Observe(call.Call);
        LastSequence = call.Sequence;
    }

    /// <summary>
    /// Feeds a call to its series' detectors only (rates, latency, errors, tokens): the part of <see cref="Observe(CallRecord)"/>
    /// that belongs to the call's series key, for an engine that owns one partition of the series.
    /// </summary>
    public void ObserveSeries(in LoggedCall call)
    {
        AdvanceTo(call.Call.Timestamp);
        SeriesFor(call.Call).Observe(call.Call);
        LastSequence = call.Sequence;
    }

    /// <summary>Feeds a call to the detectors that span series (agent loops per trace, spend per tenant and feature) only.</summary>
    public void ObserveAcrossSeries(CallRecord call)
    {
        AdvanceTo(call.Timestamp);
        ObserveAcross(call);
    }

    public void Observe(CallRecord call)
    {
        AdvanceTo(call.Timestamp);
        SeriesFor(call).Observe(call);
        ObserveAcross(call);
    }

    private void ObserveAcross(CallRecord call)
    {
        _loops.Observe(call, _loopFindings);
        if (_loopFindings.Count > 0)
        {
            PublishLoops(call.Timestamp);
        }

        if (call.CostUsd is double cost && !_spend.IsEmpty)
        {
            _spend.Record(call.Tenant, call.Feature, cost, call.Timestamp);
        }
    }

    public void Observe(EvalResult result)
    {
        AdvanceTo(result.Timestamp);
        var key = (result.Feature ?? "(none)", result.Suite);
        if (!_evals.TryGetValue(key, out var series))
        {
            var labels = new Dictionary<string, string> { ["feature"] = key.Item1, ["suite"] = key.Suite };
            series = new QualitySeries(Rules, labels, isFeedback: false, EvalDimensions);
            _evals[key] = series;
            _qualityOrder.Add(series);
        }

        (_dimensionBuffer[0], _dimensionBuffer[1], _dimensionBuffer[2], _dimensionBuffer[3]) = (result.PromptVersion, result.ModelVersion, result.Model, result.Suite);
        series.Observe(result.Timestamp, result.Passed, result.CaseId, _dimensionBuffer, _book);
    }

    public void Observe(FeedbackRecord feedback)
    {
        if (feedback.IsNegative(Rules.Quality.NegativeScoreBelow) is not bool negative)
        {
            return;
        }

        AdvanceTo(feedback.Timestamp);
        var feature = feedback.Feature ?? "(none)";
        if (!_feedback.TryGetValue(feature, out var series))
        {
            series = new QualitySeries(Rules, new Dictionary<string, string> { ["feature"] = feature }, isFeedback: true, FeedbackDimensions);
            _feedback[feature] = series;
            _qualityOrder.Add(series);
        }

        (_dimensionBuffer[0], _dimensionBuffer[1], _dimensionBuffer[2], _dimensionBuffer[3]) = (feedback.PromptVersion, feedback.ModelVersion, feedback.Model, feedback.Tenant);
        series.Observe(feedback.Timestamp, !negative, feedback.CallId, _dimensionBuffer, _book);
    }

    /// <summary>Runs every evaluation tick up to <paramref name="now"/>: windows close and alerts resolve without traffic.</summary>
    public void AdvanceTo(DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        if (_nextTickMs == long.MinValue)
        {
            _nextTickMs = ((nowMs / _intervalMs) + 1) * _intervalMs;
        }

        // After a long silence every window is empty anyway; run at most a day of ticks so a gap in a backtest
        // (or one absurd timestamp) cannot stall the engine.
        var maxCatchUp = MaxCatchUpTicks * _intervalMs;
        if (nowMs - _nextTickMs > maxCatchUp)
        {
            _nextTickMs = ((nowMs - maxCatchUp) / _intervalMs) * _intervalMs;
        }

        while (_nextTickMs <= nowMs)
        {
            Tick(DateTimeOffset.FromUnixTimeMilliseconds(_nextTickMs));
            _nextTickMs += _intervalMs;
        }

        if (now > Now)
        {
            Now = now;
        }
    }

    /// <summary>Advances to the injected clock's current time (live mode).</summary>
    public void AdvanceToNow() => AdvanceTo(_time.GetUtcNow());

    /// <summary>Alert events since the last drain, in order.</summary>
    public IReadOnlyList<AlertEvent> Drain() => _book.Drain();

    private void Tick(DateTimeOffset at)
    {
        var minuteBoundary = at.ToUnixTimeMilliseconds() % 60_000 < _intervalMs;
        foreach (var series in _seriesOrder)
        {
            series.Evaluate(at, minuteBoundary, _book);
        }

        if (!_spend.IsEmpty)
        {
            _spend.Evaluate(at, _spendFindings);
            PublishSpend();
        }

        if (minuteBoundary)
        {
            _loops.Sweep(at, _loopFindings);
            PublishLoops(at);
            foreach (var quality in _qualityOrder)
            {
                quality.AdvanceTo(at, _book);
            }
        }
    }

    private CallSeries SeriesFor(CallRecord call)
    {
        var key = new SeriesKey(call.Feature, call.Model, call.Provider, call.Operation);
        if (_lastSeries is not null && key.Equals(_lastKey))
        {
            return _lastSeries;
        }

        if (!_series.TryGetValue(key, out var series))
        {
            if (_series.Count >= Rules.MaxSeries)
            {
                key = new SeriesKey("other", "other", "other", call.Operation);
                if (_series.TryGetValue(key, out series))
                {
                    return series;
                }
            }

            series = new CallSeries(Rules, key.Labels(), call.Feature, sharedByKeys: key.IsOverflow);
            _series[key] = series;
            _seriesOrder.Add(series);
        }

        (_lastSeries, _lastKey) = (series, key);
        return series;
    }

    private void PublishLoops(DateTimeOffset at)
    {
        foreach (var f in _loopFindings)
        {
            var labels = new Dictionary<string, string> { ["feature"] = f.Feature ?? "(none)", ["trace_id"] = f.TraceId };
            if (f.Verdict == DetectorVerdict.Resolve)
            {
                _book.Resolve(AlertDraft.FingerprintOf(AlertCategory.Cost, f.Signal, labels), at);
                continue;
            }

            var what = f.Signal == AlertSignals.RepeatedToolCalls
                ? string.Create(CultureInfo.InvariantCulture, $"tool {f.ToolName} called {f.Observed:0} times with identical arguments (limit {f.Baseline:0})")
                : string.Create(CultureInfo.InvariantCulture, $"trace made {f.Observed:0} calls (limit or usual p95 {f.Baseline:0.#})");
            var factors = f.Tenant is null ? new List<AttributionFactor>() : [new AttributionFactor("tenant", f.Tenant, 1, double.NaN)];
            var attribution = new Alerts.Attribution($"agent loop in trace {f.TraceId} of feature {f.Feature ?? "(none)"}{(f.Tenant is null ? "" : $" for tenant {f.Tenant}")}", factors);
            _book.Fire(AlertDraft.Create(AlertCategory.Cost, f.Signal, labels, f.Observed, f.Baseline, f.Onset, at, f.ExampleCallIds, attribution,
                $"Possible agent loop: {what}. {attribution.Sentence}.", AlertSeverityHint.Medium));
        }

        _loopFindings.Clear();
    }

    private void PublishSpend()
    {
        foreach (var f in _spendFindings)
        {
            var labels = new Dictionary<string, string> { [f.Dimension] = f.Value };
            if (f.Verdict == DetectorVerdict.Resolve)
            {
                _book.Resolve(AlertDraft.FingerprintOf(AlertCategory.Cost, AlertSignals.SpendRate, labels), f.Onset);
                continue;
            }

            var headline = string.Create(CultureInfo.InvariantCulture,
                $"{f.Dimension} {f.Value} spent ${f.SpentUsd:0.00} of its ${f.BudgetUsd:0.00} daily budget, on course for ${f.ProjectedUsd:0.00}");
            var attribution = new Alerts.Attribution(headline, [new AttributionFactor(f.Dimension, f.Value, 1, f.ProjectedUsd / f.BudgetUsd)]);
            _book.Fire(AlertDraft.Create(AlertCategory.Cost, AlertSignals.SpendRate, labels, Math.Max(f.SpentUsd, f.ProjectedUsd), f.BudgetUsd, f.Onset, f.Onset, [],
                attribution, headline + ".", f.SpentUsd >= f.BudgetUsd ? AlertSeverityHint.High : AlertSeverityHint.Medium));
        }

        _spendFindings.Clear();
    }

    private readonly record struct SeriesKey(string? Feature, string? Model, string? Provider, string Operation)
    {
        /// <summary>The key every series past the cap shares, whose calls differ in feature, model and provider.</summary>
        public bool IsOverflow => Feature == "other" && Model == "other" && Provider == "other";

        public Dictionary<string, string> Labels() => new()
        {
            ["feature"] = Feature ?? "(none)",
            ["model"] = Model ?? "(none)",
            ["provider"] = Provider ?? "(none)",
            ["operation"] = Operation,
        };
    }
}
