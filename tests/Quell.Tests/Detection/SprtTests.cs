using Quell.Detection;
using Quell.Detection.Detectors;
using Quell.Detection.Statistics;
using Xunit.Abstractions;

namespace Quell.Tests.Detection;

public sealed class SprtTests(ITestOutputHelper output)
{
    [Fact]
    public void Sprt_TenPointDrop_DecidesWithinExpectedSampleNumber()
    {
        var template = new BernoulliSprt(0.9, 0.8);
        var expected = template.ExpectedSamplesUnderAlternative();
        var (samples, detections) = (0, 0);
        const int runs = 400;
        for (var seed = 0; seed < runs; seed++)
        {
            var rng = new Random(seed);
            var sprt = new BernoulliSprt(0.9, 0.8);
            var decision = SprtDecision.Continue;
            while (decision == SprtDecision.Continue)
            {
                decision = sprt.Update(rng.NextDouble() < 0.8);
            }

            samples += sprt.Samples;
            detections += decision == SprtDecision.AcceptAlternative ? 1 : 0;
        }

        Assert.InRange(expected, 55, 65);
        Assert.InRange(samples / (double)runs, 0.8 * expected, 1.2 * expected);
        Assert.True(detections >= 0.93 * runs, $"power {detections}/{runs}");
    }

    [Fact]
    public void Sprt_NoChange_FalseAlarmRateAtMostAlpha()
    {
        var alarms = 0;
        const int runs = 400;
        for (var seed = 0; seed < runs; seed++)
        {
            var rng = new Random(1000 + seed);
            var sprt = new BernoulliSprt(0.9, 0.8);
            var decision = SprtDecision.Continue;
            while (decision == SprtDecision.Continue)
            {
                decision = sprt.Update(rng.NextDouble() < 0.9);
            }

            alarms += decision == SprtDecision.AcceptAlternative ? 1 : 0;
        }

        Assert.True(alarms <= 0.05 * runs, $"false alarms {alarms}/{runs}");
    }

    [Theory]
    [InlineData(0.05, 100, 2000)]
    [InlineData(0.001, 5, 60)]
    [InlineData(0.0001, 0, 12)]
    public void RateDropMonitor_ContinuousCleanResults_AlphaSetsFalseAlarmsPerResult(double alpha, double minPerMillion, double maxPerMillion)
    {
        // The monitor restarts its test after every "no change" decision, so α is paid once per test.
        const int results = 2_000_000;
        var rules = new QualityRules { Alpha = alpha };
        var monitor = new RateDropMonitor(rules, 0.10);
        var rng = new Random(17);
        var t = DateTimeOffset.UnixEpoch;
        var alarms = 0;
        for (var i = 0; i < results; i++)
        {
            var verdict = monitor.Observe(t = t.AddSeconds(1), rng.NextDouble() < 0.9);
            if (verdict == DetectorVerdict.Fire)
            {
                alarms++;
                monitor = new RateDropMonitor(rules, 0.10);
            }
        }

        var perMillion = alarms * 1_000_000.0 / results;
        output.WriteLine($"alpha {alpha}: {alarms} false alarms in {results:N0} clean results ({perMillion:0.0} per million)");
        Assert.InRange(perMillion, minPerMillion, maxPerMillion);
    }
}
