using Quell.Detection.Sketches;

namespace Quell.Detection.Detectors;

/// <summary>
/// Watches one latency quantile (p95, p99) of a series: calls go into a block sketch; a block closes on an
/// evaluation tick once it holds enough calls, and its quantile is tested by a <see cref="ShiftDetector"/>.
/// </summary>
public sealed class LatencyShiftDetector
{
    private readonly double _quantile;
    private readonly int _minSamples;
    private readonly DDSketch _block;
    private DateTimeOffset _blockStart;

    public LatencyShiftDetector(double quantile, ShiftRules rules, double sketchAccuracy)
    {
        _quantile = quantile;
        _minSamples = rules.MinSamples;
        _block = new DDSketch(sketchAccuracy);
        Detector = new ShiftDetector(rules);
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
    }

    public DDSketch Sketch => _block;

    /// <summary>Closes the block if it is full enough and tests it; stale thin blocks are dropped.</summary>
    public DetectorVerdict Evaluate(DateTimeOffset now)
    {
        if (_block.Count < _minSamples)
        {
            if (_block.Count > 0 && now - _blockStart > TimeSpan.FromHours(1))
            {
                _block.Clear();
            }

            return DetectorVerdict.None;
        }

        var value = _block.Quantile(_quantile);
        _block.Clear();
        return Detector.Observe(now, value);
    }
}
