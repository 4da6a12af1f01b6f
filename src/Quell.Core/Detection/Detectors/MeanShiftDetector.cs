namespace Quell.Detection.Detectors;

/// <summary>Watches a per-call mean (cost, input or output tokens) in blocks, tested by a <see cref="ShiftDetector"/>.</summary>
public sealed class MeanShiftDetector
{
    private readonly int _minSamples;
    private double _sum;
    private long _count;
    private DateTimeOffset _blockStart;

    public MeanShiftDetector(ShiftRules rules)
    {
        _minSamples = rules.MinSamples;
        Detector = new ShiftDetector(rules);
    }

    public ShiftDetector Detector { get; }

    public void Add(double value, DateTimeOffset at)
    {
        if (_count == 0)
        {
            _blockStart = at;
        }

        _sum += value;
        _count++;
    }

    public DetectorVerdict Evaluate(DateTimeOffset now)
    {
        if (_count < _minSamples)
        {
            if (_count > 0 && now - _blockStart > TimeSpan.FromHours(1))
            {
                (_sum, _count) = (0, 0);
            }

            return DetectorVerdict.None;
        }

        var mean = _sum / _count;
        (_sum, _count) = (0, 0);
        return Detector.Observe(now, mean);
    }
}
