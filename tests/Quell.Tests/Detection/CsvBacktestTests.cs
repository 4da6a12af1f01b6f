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
    public void Score_DuringWarmup_ScoresZero()
    {
        var values = Series(400, seed: 3);
        values[30] *= 100;
        var scores = CsvBacktest.Score(values);
        Assert.Equal(60, CsvBacktest.WarmupFor(400));
        Assert.All(scores.Take(60), s => Assert.Equal(new AnomalyScore(0, false), s));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Score_SingleSpike_OneAlertOnSpikeOnly(int seed)
    {
        var values = Series(1000, seed);
        values[700] *= 4;
        var alerts = Alerts(CsvBacktest.Score(values));
        Assert.Equal([700], alerts);
    }

    [Fact]
    public void Score_SpikeLastingThreePoints_IsOneEpisode()
    {
        var values = Series(1000, seed: 6);
        for (var i = 700; i < 703; i++)
        {
            values[i] *= 4;
        }

        var scores = CsvBacktest.Score(values);
        Assert.Equal([700], Alerts(scores));
        Assert.All(scores.Skip(700).Take(3), s => Assert.True(s.Score > 0.9, $"score {s.Score}"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Score_PermanentLevelShift_OneAlertNearShiftThenAdapts(int seed)
    {
        var values = Series(1500, seed);
        for (var i = 800; i < values.Length; i++)
        {
            values[i] += 150;
        }

        var scores = CsvBacktest.Score(values);
        var alerts = Alerts(scores);
        Assert.Single(alerts);
        Assert.InRange(alerts[0], 800, 805);
        var before = scores.Skip(250).Take(550).Average(s => s.Score);
        var after = scores.Skip(900).Average(s => s.Score);
        Assert.True(after < before + 0.05, $"before {before:0.000} after {after:0.000}");
    }

    [Fact]
    public void Score_LinearTrend_StaysQuiet()
    {
        var values = Series(1500, seed: 4).Select((v, i) => v + (0.5 * i)).ToArray();
        Assert.Empty(Alerts(CsvBacktest.Score(values)));
    }

    [Fact]
    public void Score_NoiseFreeDailySine_RaisesNoAlert()
    {
        // Hourly samples of a clean daily cycle over 60 days, as a CSV with real timestamps.
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var csv = "timestamp,value\n" + string.Join('\n', Enumerable.Range(0, 24 * 60).Select(i =>
            $"{start.AddHours(i):yyyy-MM-ddTHH:mm:ssZ},{(100 + (20 * Math.Sin(2 * Math.PI * i / 24))).ToString(CultureInfo.InvariantCulture)}"));
        var output = new StringWriter();
        CsvBacktest.Run(new StringReader(csv), output);
        var rows = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.Equal(24 * 60, rows.Count);
        Assert.DoesNotContain(rows, r => r.EndsWith(",1", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.True(double.Parse(r.Split(',')[2], CultureInfo.InvariantCulture) < 0.5, r));
    }

    [Fact]
    public void Score_ShiftInsideWarmup_IsLearnedNotAlertedLater()
    {
        var values = Series(1000, seed: 5);
        for (var i = 60; i < values.Length; i++)
        {
            values[i] *= 3;
        }

        Assert.Empty(Alerts(CsvBacktest.Score(values)));
    }

    [Fact]
    public void Score_ConstantThenStep_AlertsAtStepOnlyWithoutDividingByZero()
    {
        var values = Enumerable.Repeat(5.0, 400).Concat(Enumerable.Repeat(9.0, 200)).ToArray();
        var scores = CsvBacktest.Score(values);
        Assert.All(scores, s => Assert.True(double.IsFinite(s.Score)));
        Assert.Equal([400], Alerts(scores));
    }

    [Fact]
    public void Score_AnomalyScore_RanksAnomalousPointsAboveNormalOnes()
    {
        var values = Series(2000, seed: 8);
        var anomalous = new HashSet<int> { 500, 900, 1300, 1700 };
        foreach (var i in anomalous)
        {
            values[i] *= 2.5;
        }

        var scores = CsvBacktest.Score(values);
        var lowestAnomaly = anomalous.Min(i => scores[i].Score);
        var normalAbove = scores.Select((s, i) => (s, i)).Count(x => x.i >= 300 && !anomalous.Contains(x.i) && x.s.Score >= lowestAnomaly);
        Assert.True(normalAbove <= 5, $"{normalAbove} normal points score at least {lowestAnomaly:0.000}");
        Assert.All(anomalous, i => Assert.True(scores[i].Score >= 0.5, $"row {i}: {scores[i].Score}"));
    }

    [Theory]
    [InlineData(12)]
    [InlineData(24)]
    [InlineData(50)]
    public void Score_SeasonalSeriesWithSpikes_LearnsCycleAndFindsSpikes(int period)
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

            Assert.Equal(period, Quell.Detection.Statistics.SeasonalPeriod.Detect(values.AsSpan(0, CsvBacktest.WarmupFor(n))));
            foreach (var i in Alerts(CsvBacktest.Score(values)))
            {
                _ = spikeAt.Contains(i) ? hits++ : falseAlerts++;
            }

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
    public void Score_SparseCounts_AlertsOnBurstNotOnEverySmallCount()
    {
        var rng = new Random(12);
        var values = Enumerable.Range(0, 2000).Select(_ => rng.NextDouble() < 0.1 ? (double)(1 + rng.Next(2)) : 0).ToArray();
        values[1500] = 25;
        var alerts = Alerts(CsvBacktest.Score(values));
        Assert.Contains(1500, alerts);
        Assert.True(alerts.Count <= 3, $"alerts at {string.Join(',', alerts)}");
    }

    private static List<int> Alerts(AnomalyScore[] scores) => [.. scores.Select((s, i) => (s, i)).Where(x => x.s.Alert).Select(x => x.i)];

    // Latency-like noise: lognormal around 100 with a mild daily wave every 288 points (5-minute samples).
    private static double[] Series(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(i => (100 + (10 * Math.Sin(2 * Math.PI * i / 288))) * Math.Exp(0.1 * SyntheticTraffic.Normal(rng)))];
    }
}
