using Quell.Detection.Sketches;

namespace Quell.Detection.Detectors;

/// <summary>
/// Watches one latency quantile (p95, p99) of a series: calls go into a block sketch; a block closes on an
/// evaluation tick once it holds enough calls, and its quantile is tested by a <see cref="ShiftDetector"/>.
/// </summary>
/// <remarks>
/// A fast tier (Page's CUSUM of the per-call Bernoulli log-likelihood ratio, as the error rate's) counts calls above
/// the learned quantile: 1 − q of them under no change, <see cref="LatencyRules.FastExceedanceRatio"/> times that after
/// a big shift. When it is decisive, the open block closes early (from half its usual calls) and is tested like any
/// other, so a slow series is paged about a big shift after a few dozen calls, and the block test still decides.
/// </remarks>
public sealed class LatencyShiftDetector
{
    private readonly double _quantile;
    private readonly int _minSamples;
    private readonly DDSketch _block;
    private readonly int _fastMinSamples;
    private readonly double _fastThreshold;
    private readonly double _exceedLlr;
    private readonly double _withinLlr;
    private DateTimeOffset _blockStart;

    // Bin of the learned quantile: a call in a higher bin lies above it. int.MaxValue until a baseline is known.
    private int _baselineIndex = int.MaxValue;
    private double _fastSum;

    public LatencyShiftDetector(double quantile, ShiftRules rules, LatencyRules latency)
    {
        _quantile = quantile;
        _minSamples = rules.MinSamples;
        _block = new DDSketch(latency.SketchAccuracy);
        Detector = new ShiftDetector(rules);
        _fastMinSamples = Math.Max(1, rules.MinSamples / 2);
        _fastThreshold = latency.FastThreshold;
        if (latency.FastExceedanceRatio is double ratio)
        {
            var p0 = 1 - quantile;
            var p1 = Math.Min(0.999, ratio * p0);
            _exceedLlr = Math.Log(p1 / p0);
            _withinLlr = Math.Log((1 - p1) / (1 - p0));
        }
    }

    public ShiftDetector Detector { get; }

    /// <summary>Records a call whose latency has bin <paramref name="index"/> (see <see cref="DDSketch.IndexOf"/>).</summary>
    public void AddAtIndex(int index, DateTimeOffset at)
    {
        if (_block.Count == 0)
        {
            _blockStart = at;
        }

        _block.AddAtIndex(index);
        if (_baselineIndex != int.MaxValue)
        {
            _fastSum = Math.Max(0, _fastSum + (index > _baselineIndex ? _exceedLlr : _withinLlr));
        }
    }

    public DDSketch Sketch => _block;

    /// <summary>Closes the block if it is full enough (or the fast tier is decisive) and tests it; stale thin blocks are dropped.</summary>
    public DetectorVerdict Evaluate(DateTimeOffset now)
    {
        var decisive = _fastSum >= _fastThreshold && _block.Count >= _fastMinSamples;
        if (_block.Count < _minSamples && !decisive)
        {
            if (_block.Count > 0 && now - _blockStart > TimeSpan.FromHours(1))
            {
                _block.Clear();
            }

            return DetectorVerdict.None;
        }

        var value = _block.Quantile(_quantile);
        _block.Clear();
        var verdict = Detector.Observe(now, value);

        // The tier watches for an onset only; it starts afresh after each test it forced and while an alert is open.
        if (decisive || Detector.IsFiring)
        {
            _fastSum = 0;
        }

        _baselineIndex = _exceedLlr > 0 && Detector.IsWarm && !Detector.IsFiring && double.IsFinite(Detector.LastBaseline)
            ? _block.IndexOf(Detector.LastBaseline)
            : int.MaxValue;
        return verdict;
    }
}
