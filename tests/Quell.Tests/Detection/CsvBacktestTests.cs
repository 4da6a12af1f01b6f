using System.Globalization;
using Quell.Detection.Backtest;

namespace Quell.Tests.Detection;

public sealed class CsvBacktestTests
{
    [Fact]
    public void Run_IsoTimestampsWithHeader_WritesScoredRows()
    {
        var csv = "timestamp,value\n" + string.Join('\n', Series(300, seed: 1).Select((v, i) =>
            $"{new DateTime(2026, 1, 1).AddMinutes(5 * i):yyyy-MM-dd HH:mm:ss},{v.ToString(CultureInfo.InvariantCulture)}"));
        var output = new StringWriter();

        var rows = CsvBacktest.Run(new StringReader(csv), output);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(300, rows);
        Assert.Equal("timestamp,value,anomaly_score,alert", lines[0]);
        Assert.StartsWith("2026-01-01 00:00:00,", lines[1], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l =>
        {
            var cells = l.Split(',');
            Assert.Equal(4, cells.Length);
            Assert.InRange(double.Parse(cells[2], CultureInfo.InvariantCulture), 0, 1);
            Assert.Contains(cells[3], new[] { "0", "1" });
        });
    }

    [Fact]
    public void Run_IntegerIndexWithoutHeader_ScoresEveryRow()
    {
        var csv = string.Join('\n', Series(100, seed: 2).Select((v, i) => $"{i},{v.ToString(CultureInfo.InvariantCulture)}"));
        var output = new StringWriter();
        Assert.Equal(100, CsvBacktest.Run(new StringReader(csv), output));
        Assert.StartsWith("0,", output.ToString().Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Scorer_DuringWarmup_ScoresZero()
    {
        var scorer = new CsvAnomalyScorer(warmupPoints: 50);
        var scores = Series(50, seed: 3).Select((v, i) => scorer.Next(i == 30 ? v * 100 : v)).ToList();
        Assert.All(scores, s => Assert.Equal(new AnomalyScore(0, false), s));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Scorer_SingleSpike_AlertsOnSpikeOnly(int seed)
    {
        var values = Series(1000, seed);
        values[700] *= 4;
        var scorer = new CsvAnomalyScorer(100);
        var alerts = values.Select((v, i) => (i, scorer.Next(v))).Where(x => x.Item2.Alert).Select(x => x.i).ToList();
        Assert.Equal([700], alerts);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Scorer_PermanentLevelShift_AlertsNearShiftThenAdapts(int seed)
    {
        var values = Series(1500, seed);
        for (var i = 800; i < values.Length; i++)
        {
            values[i] += 150;
        }

        var scorer = new CsvAnomalyScorer(150);
        var scores = values.Select(scorer.Next).ToList();
        var alerts = scores.Select((s, i) => (s, i)).Where(x => x.s.Alert).Select(x => x.i).ToList();
        Assert.NotEmpty(alerts);
        Assert.InRange(alerts[0], 800, 805);
        Assert.DoesNotContain(alerts, i => i > 830 || i < 800);
        var before = scores.Skip(200).Take(600).Average(s => s.Score);
        var after = scores.Skip(900).Average(s => s.Score);
        Assert.True(after < 0.05 && after < before + 0.02, $"before {before:0.000} after {after:0.000}");
    }

    [Fact]
    public void Scorer_LinearTrend_StaysQuiet()
    {
        var values = Series(1500, seed: 4).Select((v, i) => v + (0.5 * i)).ToArray();
        var scorer = new CsvAnomalyScorer(150);
        Assert.DoesNotContain(values.Select(scorer.Next), s => s.Alert);
    }

    [Fact]
    public void Scorer_ShiftInsideWarmup_IsLearnedNotAlertedLater()
    {
        var values = Series(1000, seed: 5);
        for (var i = 60; i < values.Length; i++)
        {
            values[i] *= 3;
        }

        var scorer = new CsvAnomalyScorer(150);
        Assert.DoesNotContain(values.Select(scorer.Next), s => s.Alert);
    }

    [Fact]
    public void Scorer_ConstantThenStep_AlertsAtStepOnlyWithoutDividingByZero()
    {
        var values = Enumerable.Repeat(5.0, 400).Concat(Enumerable.Repeat(9.0, 200)).ToArray();
        var scorer = new CsvAnomalyScorer(100);
        var scores = values.Select(scorer.Next).ToList();
        Assert.All(scores, s => Assert.True(double.IsFinite(s.Score)));
        var alerts = scores.Select((s, i) => (s, i)).Where(x => x.s.Alert).Select(x => x.i).ToList();
        Assert.Equal(400, alerts[0]);
        Assert.All(alerts, i => Assert.InRange(i, 400, 402));
    }

    [Theory]
    [InlineData(12)]
    [InlineData(24)]
    [InlineData(50)]
    public void Scorer_SeasonalSeriesWithSpikes_LearnsCycleAndFindsSpikes(int period)
    {
        var (hits, spikes, falseAlerts) = (0, 0, 0);
        for (var seed = 0; seed < 10; seed++)
        {
            var rng = new Random(seed);
            const int n = 1500;
            var values = Enumerable.Range(0, n).Select(i => 100 + (10 * Math.Sin(2 * Math.PI * i / period)) + (0.02 * i) + SyntheticTraffic.Normal(rng)).ToArray();
            var spikeAt = new HashSet<int>();
            for (var k = 300; k < n; k += 97)
            {
                values[k] += (rng.Next(2) == 0 ? -1 : 1) * 8;
                spikeAt.Add(k);
            }

            var scorer = new CsvAnomalyScorer(CsvAnomalyScorer.WarmupFor(n));
            for (var i = 0; i < n; i++)
            {
                if (scorer.Next(values[i]).Alert)
                {
                    _ = spikeAt.Contains(i) ? hits++ : falseAlerts++;
                }
            }

            Assert.Equal(period, scorer.Period);
            spikes += spikeAt.Count;
        }

        Assert.True(hits >= 0.8 * spikes, $"found {hits}/{spikes}");
        Assert.True(falseAlerts <= 5, $"false alerts {falseAlerts}");
    }

    [Fact]
    public void SeasonalPeriod_NoiseOnly_FindsNoCycle()
    {
        var rng = new Random(9);
        var noise = Enumerable.Range(0, 500).Select(_ => SyntheticTraffic.Normal(rng)).ToArray();
        Assert.Equal(0, Quell.Detection.Statistics.SeasonalPeriod.Detect(noise));
    }

    [Fact]
    public void Scorer_SparseCounts_AlertsOnBurstNotOnEverySmallCount()
    {
        var rng = new Random(12);
        var values = Enumerable.Range(0, 2000).Select(_ => rng.NextDouble() < 0.1 ? (double)(1 + rng.Next(2)) : 0).ToArray();
        values[1500] = 25;
        var scorer = new CsvAnomalyScorer(300);
        var alerts = values.Select((v, i) => (i, scorer.Next(v).Alert)).Where(x => x.Alert).Select(x => x.i).ToList();
        Assert.Contains(1500, alerts);
        Assert.True(alerts.Count <= 3, $"alerts at {string.Join(',', alerts)}");
    }

    // Latency-like noise: lognormal around 100 with a mild daily wave every 288 points (5-minute samples).
    private static double[] Series(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(i => (100 + (10 * Math.Sin(2 * Math.PI * i / 288))) * Math.Exp(0.1 * SyntheticTraffic.Normal(rng)))];
    }
}
