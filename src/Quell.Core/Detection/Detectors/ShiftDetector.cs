using Quell.Detection.Statistics;

namespace Quell.Detection.Detectors;

/// <summary>
/// Detects an upward shift of a positive block statistic (a latency quantile, a mean cost per call) against its
/// daily profile: the <see cref="StreamingChangeDetector"/> (the same core <c>quell backtest</c> runs on a CSV series) on
/// the statistic's log, phases by hour of day, one-sided; gated by a minimum ratio so that only changes that matter
/// fire, with hysteresis on the way back.
/// </summary>
/// <remarks>
/// Blocks are non-overlapping groups of calls, so successive z-scores are close to independent, which is what
/// CUSUM's false-alarm rate assumes. Logs make a ×3 shift look the same on a 100 ms and a 10 s series.
/// </remarks>
public sealed class ShiftDetector
{
    private readonly ShiftRules _rules;
    private readonly StreamingChangeDetector _core;
    private DateTimeOffset _firedAt;
    private DateTimeOffset? _recoveringSince;
    private double _excessLogSum;
    private int _excessBlocks;

    public ShiftDetector(ShiftRules rules)
    {
        _rules = rules;
        _core = new StreamingChangeDetector(OptionsFor(rules), phases: 24);
    }

    /// <summary>
    /// The core's settings for a production series: one-sided (only a rise pages), slow smoothing because blocks arrive
    /// every few seconds (level 2 %, hour-of-day offsets 5 %, noise scale 0.5 % per block), no trend term (a per-call
    /// statistic has a daily profile, a robust centre per hour, not a slope; slow quality drift has its own detector), the CUSUM of
    /// <c>ChangePointComparisonTests</c> (k = 1, h = 6) on unclipped z with a one-block spike at the same 7σ (k + h), and the
    /// old baseline held while an alert is open.
    /// </summary>
    public static ChangeDetectorOptions OptionsFor(ShiftRules rules) => new()
    {
        Seasonal = SeasonalModel.Profile,
        LevelAlpha = 0.02,
        TrendBeta = 0,
        SeasonGamma = 0.05,
        MinPhaseSamples = 8,
        ScaleAlpha = 0.005,
        Clip = 3,
        CusumSlack = rules.CusumSlack,
        CusumThreshold = rules.CusumThreshold,
        CusumClip = double.PositiveInfinity,
        SpikeTailProbability = 2.6e-12,
        Sides = ChangeSides.UpOnly,
        WarmupPoints = rules.WarmupBlocks,
        MinScale = Math.Log(1 + rules.MinRelativeSpread),
        ReanchorOnShift = false,
        LearnFromSpikes = true,
    };

    public bool IsFiring { get; private set; }

    public bool IsWarm => _core.IsWarm;

    /// <summary>When the shift most likely began (the time the CUSUM last left zero).</summary>
    public DateTimeOffset Onset { get; private set; }

    public double LastObserved { get; private set; }

    /// <summary>Baseline level at the time of the latest block, in the statistic's units.</summary>
    public double LastBaseline { get; private set; } = double.NaN;

    /// <summary>Calibrated 0..1 anomaly score of the latest block (see <see cref="ChangeStep.Score"/>).</summary>
    public double LastScore { get; private set; }

    /// <summary>Tests one block statistic observed at <paramref name="at"/>.</summary>
    public DetectorVerdict Observe(DateTimeOffset at, double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            return DetectorVerdict.None;
        }

        var x = Math.Log(value);
        var phase = at.UtcDateTime.Hour;
        if (!_core.IsWarm)
        {
            _core.Observe(x, phase, at);
            return DetectorVerdict.None;
        }

        var (centre, _) = _core.Expected(phase);
        var ratio = Math.Exp(x - centre);
        LastObserved = value;
        LastBaseline = Math.Exp(centre);
        return IsFiring ? WhileFiring(at, x, centre, ratio) : WhileQuiet(at, x, phase, ratio);
    }

    private DetectorVerdict WhileQuiet(DateTimeOffset at, double x, int phase, double ratio)
    {
        var step = _core.Observe(x, phase, at);
        LastScore = step.Score;
        if (_core.PointsSinceUpperOnset == 0 && step.Kind == ChangeKind.None)
        {
            (_excessLogSum, _excessBlocks) = (0, 0);
        }
        else
        {
            _excessLogSum += Math.Log(ratio);
            _excessBlocks++;
        }

        // Practical significance twice over: this block and the average since the estimated onset (the last minimum
        // of the CUSUM path) must both reach the ratio, so one noisy block after a few slightly high ones cannot page.
        var sustainedRatio = _excessBlocks > 0 ? Math.Exp(_excessLogSum / _excessBlocks) : 1;
        if (step.Kind != ChangeKind.None && ratio >= _rules.MinRatio && sustainedRatio >= _rules.MinRatio)
        {
            IsFiring = true;
            Onset = _core.PointsSinceUpperOnset > 0 && _core.UpperOnset <= at ? _core.UpperOnset : at;
            _firedAt = at;
            _recoveringSince = null;
            _core.EndEpisode();
            (_excessLogSum, _excessBlocks) = (0, 0);
            return DetectorVerdict.Fire;
        }

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
            _core.Shift(x - centre);
            return Resolve();
        }

        return DetectorVerdict.None;
    }

    private DetectorVerdict Resolve()
    {
        IsFiring = false;
        _recoveringSince = null;
        _core.EndEpisode();
        (_excessLogSum, _excessBlocks) = (0, 0);
        return DetectorVerdict.Resolve;
    }
}
