using Quell.Detection.Statistics;

namespace Quell.Tests.Detection;

public sealed class StatisticsTests
{
    [Fact]
    public void WindowedSums_SlidingWindows_SumOnlyTrailingBuckets()
    {
        var sums = new WindowedSums(1, [2, 5]);
        for (var minute = 0; minute < 10; minute++)
        {
            sums.AdvanceTo(minute);
            sums.Add(0, minute);
        }

        // Open bucket 9 plus closed 8, 7 (window 0) or 8..4 (window 1).
        Assert.Equal(9 + 8 + 7, sums.Sum(0, 0));
        Assert.Equal(9 + 8 + 7 + 6 + 5 + 4, sums.Sum(1, 0));
    }

    [Fact]
    public void WindowedSums_GapLongerThanRing_ForgetsEverything()
    {
        var sums = new WindowedSums(1, [3]);
        sums.AdvanceTo(0);
        sums.Add(0, 5);
        sums.AdvanceTo(100);
        Assert.Equal(0, sums.Sum(0, 0));
    }

    [Fact]
    public void RobustEwma_SingleOutlier_BarelyMovesCentre()
    {
        var ewma = default(RobustEwma);
        var rng = new Random(1);
        for (var i = 0; i < 500; i++)
        {
            ewma.Update(100 + rng.NextDouble(), 0.05);
        }

        var before = ewma.Center;
        ewma.Update(1e6, 0.05);
        Assert.InRange(ewma.Center - before, -0.2, 0.2);
    }

    [Fact]
    public void StreamingChangeDetector_HourOfDayPhases_ExpectsHourlyLevel()
    {
        var detector = new StreamingChangeDetector(Quell.Detection.Detectors.ShiftDetector.OptionsFor(new Quell.Detection.ShiftRules()), phases: 24);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var rng = new Random(1);
        for (var minute = 0; minute < 7 * 24 * 60; minute += 5)
        {
            var at = start.AddMinutes(minute);
            detector.Observe((at.Hour < 12 ? 10 : 20) + SyntheticTraffic.Normal(rng), at.Hour, at);
        }

        Assert.InRange(detector.Expected(3).Expected, 9.5, 10.5);
        Assert.InRange(detector.Expected(15).Expected, 19.5, 20.5);
    }

    [Theory]
    [InlineData(1e-6, 4.89)]
    [InlineData(0.0027, 3.0)]
    [InlineData(0.0455, 2.0)]
    public void NormalTail_TwoSidedQuantile_MatchesTables(double p, double z) =>
        Assert.InRange(NormalTail.TwoSidedQuantile(p), z - 0.01, z + 0.01);

    [Fact]
    public void Cusum_MeanShiftOfTwoSigma_SignalsUpWithOnsetNearChange()
    {
        var cusum = new Cusum(0.5, 5);
        var rng = new Random(3);
        var t0 = DateTimeOffset.UnixEpoch;
        var fired = -1;
        for (var i = 0; i < 400 && fired < 0; i++)
        {
            var z = SyntheticTraffic.Normal(rng) + (i >= 200 ? 2 : 0);
            if (cusum.Update(z, t0.AddMinutes(i)) == ChangeDirection.Up)
            {
                fired = i;
            }
        }

        Assert.InRange(fired, 200, 210);
        Assert.InRange((cusum.UpperOnset - t0).TotalMinutes, 190, 205);
    }

    [Fact]
    public void PageHinkley_UpwardShift_Signals()
    {
        var ph = new PageHinkley(0.5, 10);
        var rng = new Random(4);
        var fired = -1;
        for (var i = 0; i < 600 && fired < 0; i++)
        {
            if (ph.Update(SyntheticTraffic.Normal(rng) + (i >= 300 ? 2 : 0)))
            {
                fired = i;
            }
        }

        Assert.InRange(fired, 300, 330);
    }

    [Fact]
    public void Wilson_SmallSample_IsWiderThanLargeSample()
    {
        var small = WilsonInterval.Upper(8, 10) - WilsonInterval.Lower(8, 10);
        var large = WilsonInterval.Upper(800, 1000) - WilsonInterval.Lower(800, 1000);
        Assert.True(small > 5 * large);
        Assert.InRange(WilsonInterval.Lower(800, 1000), 0.77, 0.80);
    }

    [Fact]
    public void TheilSen_LinearWithOutlier_RecoversSlope()
    {
        double[] x = [0, 1, 2, 3, 4, 5, 6];
        double[] y = [10, 9, 8, 50, 6, 5, 4];
        Assert.Equal(-1, TrendStatistics.TheilSenSlope(x, y), 6);
        Assert.True(TrendStatistics.MannKendall(y).Z < -1);
    }
}
