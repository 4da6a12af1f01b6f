namespace Quell.Detection.Detectors;

/// <summary>Watches a per-call mean (cost, input or output tokens) in blocks, tested by a <see cref="ShiftDetector"/>.</summary>
public sealed class MeanShiftDetector
{
    private readonly int _minSamples;
    private readonly BlockQueue _closed = new();
    private double _sum;
    private long _count;

    public MeanShiftDetector(ShiftRules rules)
    {
        _minSamples = rules.MinSamples;
        Detector = new ShiftDetector(rules);
    }

    public ShiftDetector Detector { get; }

    // A block closes the moment it holds MinSamples calls, so every block has the same sampling noise whatever the
    // traffic (a burst of 500 calls in one tick makes five blocks, not one); blocks are tested on the next tick.
    public void Add(double value, DateTimeOffset at)
    {
        _sum += value;
        if (++_count >= _minSamples)
        {
            _closed.Add(at, _sum / _count);
            (_sum, _count) = (0, 0);
        }
    }

    public DetectorVerdict Evaluate(DateTimeOffset now) => _closed.TestAll(Detector, now);
}

/// <summary>Block statistics closed between two evaluation ticks, tested in order on the next tick.</summary>
internal sealed class BlockQueue
{
    private readonly List<(DateTimeOffset At, double Value)> _blocks = [];
    private int _next;

    public void Add(DateTimeOffset at, double value) => _blocks.Add((at, value));

    /// <summary>Tests the queued blocks in order; stops after a firing one so the alert is raised before the next block is seen.</summary>
    public DetectorVerdict TestAll(ShiftDetector detector, DateTimeOffset now)
    {
        var verdict = DetectorVerdict.None;
        while (_next < _blocks.Count)
        {
            var (at, value) = _blocks[_next++];
            var v = detector.Observe(at <= now ? at : now, value);
            if (v == DetectorVerdict.Fire)
            {
                verdict = v;
                break;
            }

            if (v == DetectorVerdict.Resolve)
            {
                verdict = v;
                break;
            }
        }

        if (_next >= _blocks.Count)
        {
            _blocks.Clear();
            _next = 0;
        }

        return verdict;
    }
}
