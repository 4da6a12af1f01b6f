using Quell.Detection.Statistics;

namespace Quell.Detection.Detectors;

/// <summary>
/// Detects an upward shift of a positive block statistic (a latency quantile, a mean cost per call) against its
/// seasonal baseline: one-sided CUSUM on robust z-scores of the log, gated by a minimum ratio so that only
/// changes that matter fire, with hysteresis on the way back.
/// </summary>
/// <remarks>
/// Blocks are non-overlapping groups of calls, so successive z-scores are close to independent, which is what
/// CUSUM's false-alarm rate assumes. Logs make a ×3 shift look the same on a 100 ms and a 10 s series.
/// </remarks>
public sealed class ShiftDetector
{
    private readonly ShiftRules _rules;
    private readonly RobustSeasonalBaseline _baseline;
    private readonly double _minLogSpread;
    private Cusum _cusum;
    private DateTimeOffset _firedAt;
    private DateTimeOffset? _recoveringSince;
    private double _excessLogSum;
    private int _excessBlocks;

    public ShiftDetector(ShiftRules rules)
    {
        _rules = rules;
        _baseline = new RobustSeasonalBaseline(alpha: 0.05, globalAlpha: 0.02, minSlotSamples: 8, warmupSamples: rules.WarmupBlocks);
        _minLogSpread = Math.Log(1 + rules.MinRelativeSpread);
        _cusum = new Cusum(rules.CusumSlack, rules.CusumThreshold);
    }

    public bool IsFiring { get; private set; }

    public bool IsWarm => _baseline.IsWarm;

    /// <summary>When the shift most likely began (the time the CUSUM last left zero).</summary>
    public DateTimeOffset Onset { get; private set; }

    public double LastObserved { get; private set; }

    /// <summary>Baseline level at the time of the latest block, in the statistic's units.</summary>
    public double LastBaseline { get; private set; } = double.NaN;

    /// <summary>Tests one block statistic observed at <paramref name="at"/>.</summary>
    public DetectorVerdict Observe(DateTimeOffset at, double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            return DetectorVerdict.None;
        }

        var x = Math.Log(value);
        if (!_baseline.IsWarm)
        {
            _baseline.Update(at, x, clip: 3, scaleFloor: _minLogSpread);
            return DetectorVerdict.None;
        }

        var (centre, spread) = _baseline.Expected(at);
        spread = Math.Max(spread, _minLogSpread);
        var ratio = Math.Exp(x - centre);
        LastObserved = value;
        LastBaseline = Math.Exp(centre);

        return IsFiring ? WhileFiring(at, x, centre, ratio) : WhileQuiet(at, x, (x - centre) / spread, ratio);
    }

    private DetectorVerdict WhileQuiet(DateTimeOffset at, double x, double z, double ratio)
    {
        var direction = _cusum.Update(z, at);
        if (_cusum.Upper <= 0)
        {
            (_excessLogSum, _excessBlocks) = (0, 0);
        }
        else
        {
            _excessLogSum += Math.Log(ratio);
            _excessBlocks++;
        }

        // Practical significance twice over: this block and the average since the estimated onset must both reach
        // the ratio, so one noisy block after a few slightly high ones cannot page anyone.
        var sustainedRatio = _excessBlocks > 0 ? Math.Exp(_excessLogSum / _excessBlocks) : 1;
        if (direction == ChangeDirection.Up && ratio >= _rules.MinRatio && sustainedRatio >= _rules.MinRatio)
        {
            IsFiring = true;
            Onset = _cusum.UpperOnset;
            _firedAt = at;
            _recoveringSince = null;
            _cusum.Reset();
            (_excessLogSum, _excessBlocks) = (0, 0);
            return DetectorVerdict.Fire;
        }

        // Learning continues while quiet; clipping keeps a building shift from dragging the baseline along.
        _baseline.Update(at, x, clip: 3, scaleFloor: _minLogSpread);
        return DetectorVerdict.None;
    }

    private DetectorVerdict WhileFiring(DateTimeOffset at, double x, double centre, double ratio)
    {
        if (ratio <= _rules.ResolveRatio)
        {
            _recoveringSince ??= at;
            if (at - _recoveringSince.Value >= TimeSpan.FromMinutes(_rules.RecoveryMinutes))
            {
                return Resolve();
            }
        }
        else
        {
            _recoveringSince = null;
        }

        if (at - _firedAt >= TimeSpan.FromHours(_rules.AdoptNewLevelAfterHours))
        {
            // The change is here to stay (a slower model, a longer prompt): learn it rather than page forever.
            _baseline.Shift(x - centre);
            return Resolve();
        }

        return DetectorVerdict.None;
    }

    private DetectorVerdict Resolve()
    {
        IsFiring = false;
        _recoveringSince = null;
        _cusum.Reset();
        (_excessLogSum, _excessBlocks) = (0, 0);
        return DetectorVerdict.Resolve;
    }
}
