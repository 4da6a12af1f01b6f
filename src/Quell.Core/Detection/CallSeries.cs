using System.Globalization;
using Quell.Alerts;
using Quell.Calls;
using Quell.Detection.Attribution;
using Quell.Detection.Detectors;
using AlertAttribution = Quell.Alerts.Attribution;

namespace Quell.Detection;

/// <summary>
/// All call-stream detectors of one feature × model × provider × operation series. Per call it only bumps
/// counters and sketch bins; <see cref="Evaluate"/> runs the tests once per evaluation tick.
/// </summary>
internal sealed class CallSeries
{
    private const int FCount = 0, FErrors = 1, FSlow = 2, FSlowTtft = 3, FCost = 4, FInput = 5, FOutput = 6, Fields = 7, FieldStride = 8;

    private static readonly string[] KeyDimensions = ["feature", "model", "provider", "operation"];

    private readonly DetectionRules _rules;
    private readonly LatencyShiftDetector _p95;
    private readonly LatencyShiftDetector _p99;
    private readonly LatencyShiftDetector _ttft;
    private readonly MeanShiftDetector _cost;
    private readonly MeanShiftDetector _input;
    private readonly MeanShiftDetector _output;
    private readonly BurnRateMonitor _errors;
    private readonly LatencySloGuard? _slo;
    private readonly DimensionBreakdown _breakdown;
    private readonly int[] _dimensionFields;
    private readonly ExampleRing _slowExamples = new();
    private readonly ExampleRing _errorExamples = new();
    private readonly ExampleRing _expensiveExamples = new();
    private readonly double _recentKeep;
    private readonly double _baselineKeep;
    private double _slowMs = double.PositiveInfinity;
    private double _slowTtftMs = double.PositiveInfinity;
    private double _expensiveCost = double.PositiveInfinity;
    private double _expensiveInput = double.PositiveInfinity;
    private string? _errorFingerprint;

    /// <param name="sharedByKeys">Whether calls of several feature × model × provider keys share the series (the overflow past the series cap).</param>
    public CallSeries(DetectionRules rules, IReadOnlyDictionary<string, string> labels, string? feature, bool sharedByKeys = false)
    {
        _rules = rules;
        Labels = labels;
        var latency = rules.Latency;
        _p95 = new LatencyShiftDetector(0.95, latency.P95, latency);
        _p99 = new LatencyShiftDetector(0.99, latency.P99, latency);
        _ttft = new LatencyShiftDetector(0.95, latency.TtftP95, latency);
        _cost = new MeanShiftDetector(rules.Cost.CostPerCall);
        _input = new MeanShiftDetector(rules.Cost.InputTokensPerCall);
        _output = new MeanShiftDetector(rules.Cost.OutputTokensPerCall);
        var featureRules = rules.For(feature);
        _errors = new BurnRateMonitor(rules.Errors, featureRules.ErrorSloTarget ?? rules.Errors.SloTarget);
        var sloP95 = featureRules.SloP95Ms ?? latency.SloP95Ms;
        var sloP99 = featureRules.SloP99Ms ?? latency.SloP99Ms;
        if (sloP95 is not null || sloP99 is not null)
        {
            _slo = new LatencySloGuard(sloP95, sloP99, latency, rules.EvaluationSeconds);
        }

        // A dimension the series is keyed on holds one value in every call, so it can never carry a change: it is
        // not broken down (Explain would find nothing in it) unless several keys share the series.
        List<string> dims = sharedByKeys ? rules.Attribution.Dimensions : [.. rules.Attribution.Dimensions.Where(d => !KeyDimensions.Contains(d))];
        _breakdown = new DimensionBreakdown(dims, Fields, rules.Attribution.MaxValuesPerDimension);
        _dimensionFields = [.. dims.Select(CallDimensions.FieldOf)];
        if (_breakdown.Stride != FieldStride)
        {
            throw new InvalidOperationException($"breakdown stride {_breakdown.Stride} is not {FieldStride}");
        }

        _recentKeep = Math.Exp(-1 / rules.Attribution.RecentMinutes);
        _baselineKeep = Math.Exp(-1 / rules.Attribution.BaselineMinutes);
    }

    public IReadOnlyDictionary<string, string> Labels { get; }

    private bool AnyFiring => _p95.Detector.IsFiring || _p99.Detector.IsFiring || _ttft.Detector.IsFiring
        || _cost.Detector.IsFiring || _input.Detector.IsFiring || _output.Detector.IsFiring || _errors.IsFiring || (_slo?.IsFiring ?? false);

    public void Observe(CallRecord call)
    {
        var at = call.Timestamp;
        // The breakdown's stride (fields padded to whole vectors); the padding stays zero.
        Span<double> fields = stackalloc double[FieldStride];
        fields[FCount] = 1;
        if (call.LatencyMs is double latency)
        {
            var index = _p95.Sketch.IndexOf(latency);
            _p95.AddAtIndex(index, at);
            _p99.AddAtIndex(index, at);
            _slo?.AddAtIndex(index, at);
            if (latency > _slowMs)
            {
                fields[FSlow] = 1;
                _slowExamples.Add(call.Id);
            }
        }

        if (call.TtftMs is double ttft)
        {
            _ttft.AddAtIndex(_ttft.Sketch.IndexOf(ttft), at);
            fields[FSlowTtft] = ttft > _slowTtftMs ? 1 : 0;
        }

        if (call.CostUsd is double cost)
        {
            _cost.Add(cost, at);
            fields[FCost] = cost;
        }

        _input.Add(call.InputTokens, at);
        _output.Add(call.OutputTokens, at);
        fields[FInput] = call.InputTokens;
        fields[FOutput] = call.OutputTokens;
        if (call.CostUsd > _expensiveCost || call.InputTokens > _expensiveInput)
        {
            _expensiveExamples.Add(call.Id);
        }

        var isError = call.IsError;
        _errors.Record(at, isError, isError ? ErrorTypes.Normalize(call.ErrorType) : null);
        if (isError)
        {
            fields[FErrors] = 1;
            _errorExamples.Add(call.Id);
        }

        for (var d = 0; d < _dimensionFields.Length; d++)
        {
            _breakdown.Record(d, CallDimensions.Read(_dimensionFields[d], call), fields);
        }
    }

    /// <summary>Runs every test due at <paramref name="now"/>, sending alerts to <paramref name="book"/>.</summary>
    public void Evaluate(DateTimeOffset now, bool minuteBoundary, AlertBook book)
    {
        Shift(_p95.Evaluate(now), _p95.Detector, AlertCategory.Latency, AlertSignals.LatencyP95, "p95 latency", FSlow, _slowExamples, now, book);
        Shift(_p99.Evaluate(now), _p99.Detector, AlertCategory.Latency, AlertSignals.LatencyP99, "p99 latency", FSlow, _slowExamples, now, book);
        Shift(_ttft.Evaluate(now), _ttft.Detector, AlertCategory.Latency, AlertSignals.TtftP95, "p95 time to first token", FSlowTtft, _slowExamples, now, book);
        Shift(_input.Evaluate(now), _input.Detector, AlertCategory.Cost, AlertSignals.InputTokensPerCall, "input tokens per call", FInput, _expensiveExamples, now, book);
        Shift(_output.Evaluate(now), _output.Detector, AlertCategory.Cost, AlertSignals.OutputTokensPerCall, "output tokens per call", FOutput, _expensiveExamples, now, book);
        // Cost last: its summary says whether tokens moved, from the blocks the token detectors have just tested.
        Shift(_cost.Evaluate(now), _cost.Detector, AlertCategory.Cost, AlertSignals.CostPerCall, "cost per call", FCost, _expensiveExamples, now, book);
        Errors(_errors.Evaluate(now), now, book);
        if (_slo is not null)
        {
            Slo(_slo.Evaluate(now), now, book);
        }

        if (minuteBoundary)
        {
            _breakdown.Roll(_recentKeep, _baselineKeep, learn: !AnyFiring);
            RefreshThresholds();
        }
    }

    private void RefreshThresholds()
    {
        // "Slow" and "expensive" are relative to the learned baselines, so attribution compares like with like.
        if (_p95.Detector.IsWarm && double.IsFinite(_p95.Detector.LastBaseline) && !_p95.Detector.IsFiring)
        {
            _slowMs = _p95.Detector.LastBaseline;
        }

        if (_ttft.Detector.IsWarm && double.IsFinite(_ttft.Detector.LastBaseline) && !_ttft.Detector.IsFiring)
        {
            _slowTtftMs = _ttft.Detector.LastBaseline;
        }

        if (_cost.Detector.IsWarm && double.IsFinite(_cost.Detector.LastBaseline))
        {
            _expensiveCost = 1.5 * _cost.Detector.LastBaseline;
        }

        if (_input.Detector.IsWarm && double.IsFinite(_input.Detector.LastBaseline))
        {
            _expensiveInput = 1.5 * _input.Detector.LastBaseline;
        }
    }

    private void Shift(DetectorVerdict verdict, ShiftDetector detector, AlertCategory category, string signal, string what, int field, ExampleRing examples, DateTimeOffset now, AlertBook book)
    {
        if (verdict == DetectorVerdict.Resolve)
        {
            book.Resolve(AlertDraft.FingerprintOf(category, signal, Labels), now);
            return;
        }

        if (verdict != DetectorVerdict.Fire)
        {
            return;
        }

        var ratio = detector.LastObserved / detector.LastBaseline;
        var headline = string.Create(CultureInfo.InvariantCulture, $"{what} up {ratio:0.0}×");
        var attribution = Explain(headline, field);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{what} of {Describe()} is {detector.LastObserved:0.###} against a baseline of {detector.LastBaseline:0.###} ({ratio:0.0}×){CostDriver(field)}. {attribution.Sentence}.");
        book.Fire(AlertDraft.Create(category, signal, Labels, detector.LastObserved, detector.LastBaseline, detector.Onset, now,
            examples.Snapshot(), attribution, summary, ratio >= 3 ? AlertSeverityHint.High : AlertSeverityHint.Medium));
    }

    // Cost per call moves with tokens or with price; say which, since that decides the runbook.
    private string CostDriver(int field)
    {
        if (field != FCost || !_input.Detector.IsWarm)
        {
            return "";
        }

        var inputRatio = _input.Detector.LastObserved / _input.Detector.LastBaseline;
        var outputRatio = _output.Detector.IsWarm ? _output.Detector.LastObserved / _output.Detector.LastBaseline : 1;
        if (inputRatio >= 1.2 && inputRatio >= outputRatio)
        {
            return string.Create(CultureInfo.InvariantCulture, $", because input tokens per call rose {inputRatio:0.0}×");
        }

        return outputRatio >= 1.2
            ? string.Create(CultureInfo.InvariantCulture, $", because output tokens per call rose {outputRatio:0.0}×")
            : ", with tokens per call unchanged (price or routing change)";
    }

    private void Errors(DetectorVerdict verdict, DateTimeOffset now, AlertBook book)
    {
        if (verdict == DetectorVerdict.None)
        {
            return;
        }

        var labels = new Dictionary<string, string>(Labels) { ["error_type"] = _errors.DominantErrorType };
        if (verdict == DetectorVerdict.Resolve)
        {
            book.Resolve(_errorFingerprint ?? AlertDraft.FingerprintOf(_rules.Errors.Category, AlertSignals.ErrorRate, labels), now);
            _errorFingerprint = null;
            return;
        }

        var headline = string.Create(CultureInfo.InvariantCulture, $"error rate {_errors.ObservedErrorRate:P1} burns the error budget {_errors.BurnRate:0.#}× too fast");
        var attribution = Explain(headline, FErrors);
        var alert = AlertDraft.Create(_rules.Errors.Category, AlertSignals.ErrorRate, labels, _errors.ObservedErrorRate, _errors.Budget, _errors.Onset, now,
            _errorExamples.Snapshot(), attribution, $"{headline} on {Describe()}, mostly {_errors.DominantErrorType}. {attribution.Sentence}.",
            _errors.BurnRate >= 14.4 ? AlertSeverityHint.High : AlertSeverityHint.Medium);
        _errorFingerprint = alert.Fingerprint;
        book.Fire(alert);
    }

    private void Slo(DetectorVerdict verdict, DateTimeOffset now, AlertBook book)
    {
        var fingerprint = AlertDraft.FingerprintOf(AlertCategory.Latency, AlertSignals.LatencySlo, Labels);
        if (verdict == DetectorVerdict.Resolve)
        {
            book.Resolve(fingerprint, now);
        }
        else if (verdict == DetectorVerdict.Fire && _slo is not null)
        {
            var headline = string.Create(CultureInfo.InvariantCulture, $"{_slo.Quantile} latency {_slo.Observed:0} ms over the {_slo.Threshold:0} ms SLO");
            var attribution = Explain(headline, FSlow);
            book.Fire(AlertDraft.Create(AlertCategory.Latency, AlertSignals.LatencySlo, Labels, _slo.Observed, _slo.Threshold, _slo.Onset, now,
                _slowExamples.Snapshot(), attribution, $"{headline} on {Describe()}. {attribution.Sentence}.", AlertSeverityHint.High));
        }
    }

    private AlertAttribution Explain(string headline, int field) =>
        AttributionSentence.Build(headline, _breakdown.Explain(field, FCount, pendingOnly: false, _rules.Attribution.MinShare));

    private string Describe() => string.Join(" ", Labels.Select(kv => $"{kv.Key} {kv.Value}"));
}
