using System.Globalization;
using Quell.Alerts;
using Quell.Detection.Attribution;
using Quell.Detection.Detectors;

namespace Quell.Detection;

/// <summary>
/// Quality detectors of one feature (and eval suite): the SPRT on the good-outcome rate, the two-week drift
/// detector, and a breakdown of failures by version dimensions for attribution.
/// </summary>
internal sealed class QualitySeries
{
    private const int FCount = 0, FBad = 1;

    // Each settled "no change" test enters the baseline breakdown with this memory (~30 tests).
    private const double BaselineKeepPerTest = 0.97;

    private readonly DetectionRules _rules;
    private readonly bool _isFeedback;
    private readonly RateDropMonitor _rate;
    private readonly SlowDriftDetector _drift;
    private readonly DimensionBreakdown _breakdown;
    private readonly ExampleRing _badExamples = new();
    private readonly string _signal;

    public QualitySeries(DetectionRules rules, IReadOnlyDictionary<string, string> labels, bool isFeedback, IReadOnlyList<string> dimensions)
    {
        _rules = rules;
        _isFeedback = isFeedback;
        Labels = labels;
        var quality = rules.Quality;
        _rate = new RateDropMonitor(quality, isFeedback ? quality.NegativeFeedbackRise : quality.PassRateDrop);
        _drift = new SlowDriftDetector(quality.Drift);
        _breakdown = new DimensionBreakdown(dimensions, 2, rules.Attribution.MaxValuesPerDimension);
        _signal = isFeedback ? AlertSignals.NegativeFeedbackRate : AlertSignals.EvalPassRate;
    }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Counts one outcome; <paramref name="dimensionValues"/> are in the order of the breakdown's dimensions.</summary>
    public void Observe(DateTimeOffset at, bool good, string exampleId, ReadOnlySpan<string?> dimensionValues, AlertBook book)
    {
        Span<double> fields = [1, good ? 0 : 1];
        for (var d = 0; d < dimensionValues.Length; d++)
        {
            _breakdown.Record(d, dimensionValues[d], fields);
        }

        if (!good)
        {
            _badExamples.Add(exampleId);
        }

        var wasWarm = _rate.IsWarm;
        var verdict = _rate.Observe(at, good);
        if (!wasWarm)
        {
            _breakdown.FoldPendingIntoBaseline(1);
        }
        else if (verdict == DetectorVerdict.Fire)
        {
            FireRate(at, book);
        }
        else if (verdict == DetectorVerdict.Resolve)
        {
            _breakdown.ClearPending();
            book.Resolve(AlertDraft.FingerprintOf(AlertCategory.Quality, _signal, Labels), at);
        }
        else if (!_rate.IsFiring && _rate.TestSamples == 0)
        {
            _breakdown.FoldPendingIntoBaseline(BaselineKeepPerTest);
        }

        Drift(_drift.Observe(at, good), at, book);
    }

    /// <summary>Closes finished days for the drift detector even when no results arrive.</summary>
    public void AdvanceTo(DateTimeOffset now, AlertBook book) => Drift(_drift.AdvanceTo(now), now, book);

    private void FireRate(DateTimeOffset at, AlertBook book)
    {
        var baseline = Rate(_rate.BaselineRate);
        var observed = Rate(_rate.ObservedRate);
        var what = _isFeedback ? "negative-feedback rate up" : "eval pass rate down";
        var headline = string.Create(CultureInfo.InvariantCulture, $"{what} from {baseline:P0} to {observed:P0}");
        var attribution = AttributionSentence.Build(headline, _breakdown.Explain(FBad, FCount, pendingOnly: true, _rules.Attribution.MinShare));
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{headline} for {Describe()} (SPRT decided {_rate.DecisionSamples} results after the estimated change). {attribution.Sentence}.");
        book.Fire(AlertDraft.Create(AlertCategory.Quality, _signal, Labels, observed, baseline, _rate.Onset, at,
            _badExamples.Snapshot(), attribution, summary, AlertSeverityHint.High));
    }

    private void Drift(DetectorVerdict verdict, DateTimeOffset at, AlertBook book)
    {
        if (verdict == DetectorVerdict.None)
        {
            return;
        }

        var labels = new Dictionary<string, string>(Labels) { ["metric"] = _signal };
        if (verdict == DetectorVerdict.Resolve)
        {
            book.Resolve(AlertDraft.FingerprintOf(AlertCategory.Quality, AlertSignals.QualityDrift, labels), at);
            return;
        }

        var observed = Rate(_drift.LastDayRate);
        var baseline = Rate(_drift.ReferenceRate);
        var slopePoints = Math.Abs(_drift.Slope) * 100;
        var headline = string.Create(CultureInfo.InvariantCulture,
            $"{(_isFeedback ? "negative-feedback rate" : "eval pass rate")} drifting {slopePoints:0.0} points per day ({baseline:P0} → {observed:P0})");
        var attribution = AttributionSentence.Build(headline, []);
        book.Fire(AlertDraft.Create(AlertCategory.Quality, AlertSignals.QualityDrift, labels, observed, baseline, _drift.Onset, at,
            _badExamples.Snapshot(), attribution, $"{headline} for {Describe()}, below the SPRT's radar.", AlertSeverityHint.Medium));
    }

    // Feedback alerts speak of the negative rate; the detectors work on the good rate.
    private double Rate(double goodRate) => _isFeedback ? 1 - goodRate : goodRate;

    private string Describe() => string.Join(" ", Labels.Select(kv => $"{kv.Key} {kv.Value}"));
}
