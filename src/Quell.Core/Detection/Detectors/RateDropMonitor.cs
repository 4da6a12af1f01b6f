using Quell.Detection.Statistics;

namespace Quell.Detection.Detectors;

/// <summary>
/// Sequential test for a drop in a "good outcome" rate (eval pass rate, share of non-negative feedback):
/// learns the baseline rate p0, then runs Wald's SPRT of p0 against p0 − drop. Accepting H0 restarts the test and
/// folds its samples into the baseline; accepting H1 fires once the sample is big enough and its Wilson upper
/// bound is below p0. A mirrored SPRT (p0 − drop against p0) decides when the rate has recovered.
/// </summary>
public sealed class RateDropMonitor
{
    private readonly QualityRules _rules;
    private readonly double _drop;
    private double _baselineGood;
    private double _baselineTotal;
    private BernoulliSprt _test;
    private BernoulliSprt _recovery;
    private double _minRatio;
    private DateTimeOffset _minAt;
    private int _samplesAtMin;
    private int _successesAtMin;

    public RateDropMonitor(QualityRules rules, double drop)
    {
        _rules = rules;
        _drop = drop;
    }

    public bool IsWarm { get; private set; }
    public bool IsFiring { get; private set; }
    public DateTimeOffset Onset { get; private set; }

    /// <summary>Baseline good rate p0 of the test that is running (or fired).</summary>
    public double BaselineRate => _test.P0;

    /// <summary>Good rate among the samples of the test that fired.</summary>
    public double ObservedRate { get; private set; }

    /// <summary>Results between the estimated change and the decision.</summary>
    public int DecisionSamples { get; private set; }

    /// <summary>Samples in the running test; zero right after a test settled on "no change".</summary>
    public int TestSamples => _test.Samples;

    public DetectorVerdict Observe(DateTimeOffset at, bool good)
    {
        if (!IsWarm)
        {
            Learn(good, keep: 1);
            if (_baselineTotal >= _rules.WarmupSamples)
            {
                StartTest(at);
            }

            return DetectorVerdict.None;
        }

        if (IsFiring)
        {
            return WhileFiring(good);
        }

        // Every result enters the baseline, not only tests that ended in "no change": those are biased towards
        // good results by the stopping rule, and the baseline would creep up until clean data alarms. The running
        // test keeps the p0 it started with, so a real drop is not absorbed while it is being tested.
        Learn(good, keep: 1 - (1.0 / Math.Max(1, _rules.BaselineWindowSamples)));
        return WhileTesting(at, good);
    }

    private void Learn(bool good, double keep)
    {
        _baselineGood = (_baselineGood * keep) + (good ? 1 : 0);
        _baselineTotal = (_baselineTotal * keep) + 1;
    }

    private DetectorVerdict WhileTesting(DateTimeOffset at, bool good)
    {
        var decision = _test.Update(good);
        if (decision == SprtDecision.AcceptNull)
        {
            StartTest(at);
            return DetectorVerdict.None;
        }

        // The lowest point of the likelihood-ratio path is the likeliest change point: a test can linger near
        // its lower bound for a long time before the drop, and those samples say nothing about the new rate.
        if (_test.LogLikelihoodRatio <= _minRatio)
        {
            (_minRatio, _minAt, _samplesAtMin, _successesAtMin) = (_test.LogLikelihoodRatio, at, _test.Samples, _test.Successes);
        }

        var recent = _test.Samples - _samplesAtMin;
        var recentGood = _test.Successes - _successesAtMin;
        if (decision == SprtDecision.AcceptAlternative
            && recent >= _rules.MinSamples
            && WilsonInterval.Upper(recentGood, recent, _rules.WilsonZ) < _test.P0
            && (double)recentGood / recent <= _test.P0 - ((_test.P0 - _test.P1) * _rules.MinObservedDropFraction))
        {
            IsFiring = true;
            Onset = _minAt;
            ObservedRate = (double)recentGood / recent;
            DecisionSamples = recent;
            _recovery = new BernoulliSprt(_test.P1, _test.P0, _rules.Alpha, _rules.Beta);
            return DetectorVerdict.Fire;
        }

        return DetectorVerdict.None;
    }

    private DetectorVerdict WhileFiring(bool good)
    {
        var decision = _recovery.Update(good);
        if (decision == SprtDecision.AcceptNull)
        {
            _recovery.Restart();
        }
        else if (decision == SprtDecision.AcceptAlternative)
        {
            IsFiring = false;
            _test.Restart();
            (_minRatio, _samplesAtMin, _successesAtMin) = (0, 0, 0);
            return DetectorVerdict.Resolve;
        }

        return DetectorVerdict.None;
    }

    private void StartTest(DateTimeOffset at)
    {
        IsWarm = true;
        var p0 = _baselineGood / _baselineTotal;
        _test = new BernoulliSprt(p0, Math.Max(0.001, p0 - _drop), _rules.Alpha, _rules.Beta);
        (_minRatio, _minAt, _samplesAtMin, _successesAtMin) = (0, at, 0, 0);
    }
}
