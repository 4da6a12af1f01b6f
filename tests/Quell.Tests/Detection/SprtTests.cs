using Quell.Detection.Statistics;

namespace Quell.Tests.Detection;

public sealed class SprtTests
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
}
