using Quell.Detection.Sketches;

namespace Quell.Detection.Detectors;

/// <summary>
/// Absolute guard rail a user sets: p95 and/or p99 latency over a sliding window must stay under a ceiling.
/// Needs no baseline, so it works from the first minute.
/// </summary>
public sealed class LatencySloGuard
{
    private readonly double? _p95Ms;
    private readonly double? _p99Ms;
    private readonly int _minSamples;
    private readonly long _bucketSeconds;
    private readonly TimeSpan _recovery;
    private readonly SlidingSketchWindow _window;
    private DateTimeOffset? _recoveringSince;

    public LatencySloGuard(double? p95Ms, double? p99Ms, LatencyRules rules, int bucketSeconds)
    {
        _p95Ms = p95Ms;
        _p99Ms = p99Ms;
        _minSamples = rules.SloMinSamples;
        _bucketSeconds = bucketSeconds;
        _recovery = TimeSpan.FromMinutes(rules.SloWindowMinutes);
        _window = new SlidingSketchWindow(Math.Max(1, rules.SloWindowMinutes * 60 / bucketSeconds), rules.SketchAccuracy);
    }

    public bool IsFiring { get; private set; }
    public DateTimeOffset Onset { get; private set; }
    public double Observed { get; private set; }
    public double Threshold { get; private set; }

    /// <summary>"p95" or "p99": the quantile that broke its ceiling.</summary>
    public string Quantile { get; private set; } = "p99";

    public void AddAtIndex(int index, DateTimeOffset at)
    {
        _window.AdvanceTo(at.ToUnixTimeSeconds() / _bucketSeconds);
        _window.AddAtIndex(index);
    }

    public DetectorVerdict Evaluate(DateTimeOffset now)
    {
        _window.AdvanceTo(now.ToUnixTimeSeconds() / _bucketSeconds);
        var sketch = _window.Window;
        var breached = false;
        if (sketch.Count >= _minSamples)
        {
            breached = Check(sketch, 0.99, _p99Ms, "p99") || Check(sketch, 0.95, _p95Ms, "p95");
        }

        if (!IsFiring)
        {
            if (breached)
            {
                IsFiring = true;
                Onset = now - _recovery;
                _recoveringSince = null;
                return DetectorVerdict.Fire;
            }

            return DetectorVerdict.None;
        }

        if (breached)
        {
            _recoveringSince = null;
            return DetectorVerdict.None;
        }

        _recoveringSince ??= now;
        if (now - _recoveringSince.Value >= _recovery)
        {
            IsFiring = false;
            return DetectorVerdict.Resolve;
        }

        return DetectorVerdict.None;
    }

    private bool Check(DDSketch sketch, double q, double? ceiling, string name)
    {
        if (ceiling is not double limit)
        {
            return false;
        }

        var value = sketch.Quantile(q);
        if (value <= limit)
        {
            return false;
        }

        (Observed, Threshold, Quantile) = (value, limit, name);
        return true;
    }
}
