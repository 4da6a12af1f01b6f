using Quell.Alerts;
using Quell.Detection;
using Quell.Detection.Detectors;
using Xunit.Abstractions;

namespace Quell.Tests.Detection;

public sealed class QualityDetectionTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = SyntheticTraffic.Start;

    [Fact]
    public void RateDropMonitor_TenPointDropAtSpecBound_DecidesWithinExpectedSampleNumber()
    {
        // α = β = 0.05 as specified for the SPRT itself; ASN under H1 for 0.9 → 0.8 is ≈ 60 results.
        var rules = new QualityRules { Alpha = 0.05, Beta = 0.05 };
        var samples = new List<int>();
        for (var seed = 0; seed < 40; seed++)
        {
            var rng = new Random(seed);
            var monitor = new RateDropMonitor(rules, 0.10);
            var t = Start;
            for (var i = 0; i < rules.WarmupSamples; i++)
            {
                monitor.Observe(t = t.AddSeconds(10), rng.NextDouble() < 0.9);
            }

            for (var i = 1; i <= 1000; i++)
            {
                if (monitor.Observe(t = t.AddSeconds(10), rng.NextDouble() < 0.8) == DetectorVerdict.Fire)
                {
                    samples.Add(i);
                    break;
                }
            }
        }

        output.WriteLine($"SPRT α=β=0.05: detected {samples.Count}/40, mean {samples.Average():0.0} results after the drop (Wald ASN ≈ 60)");
        Assert.True(samples.Count >= 36, $"detected {samples.Count}/40");
        Assert.InRange(samples.Average(), 20, 100);
    }

    [Fact]
    public void Engine_PassRateDropOnPromptV13_FiresAndNamesPromptVersion()
    {
        var change = Start + TimeSpan.FromDays(3);
        var evals = SyntheticQuality.HourlyEvals(Start, TimeSpan.FromDays(5), 20,
            (at, version) => at >= change && version == "v13" ? 0.6 : 0.9, seed: 3, promptVersions: ["v12", "v13"]);
        var events = Replay(evals, []);

        var fired = events.Fired(AlertSignals.EvalPassRate).Single();
        output.WriteLine($"prompt v13 drop: fired {(fired.At - change).TotalHours:0.0} h after the change: {fired.Alert.Summary}");
        Assert.True(fired.At > change);
        Assert.True(fired.At - change < TimeSpan.FromHours(12), $"took {fired.At - change}");
        Assert.Equal("prompt_version", fired.Alert.Attribution.Factors[0].Dimension);
        Assert.Equal("v13", fired.Alert.Attribution.Factors[0].Value);
        Assert.Contains("prompt_version v13", fired.Alert.Attribution.Sentence, StringComparison.Ordinal);
        Assert.Equal(AlertCategory.Quality, fired.Alert.Category);
    }

    [Fact]
    public void Engine_NegativeFeedbackRises_FiresNegativeFeedbackRate()
    {
        var change = Start + TimeSpan.FromDays(3);
        var feedback = SyntheticQuality.Feedback(Start, TimeSpan.FromDays(4), 400, t => t >= change ? 0.2 : 0.05, seed: 4);
        var fired = Replay([], feedback).Fired(AlertSignals.NegativeFeedbackRate).Single();
        output.WriteLine($"feedback: fired {(fired.At - change).TotalHours:0.0} h after the change: {fired.Alert.Summary}");
        Assert.InRange(fired.Alert.Observed, 0.12, 0.35);
        Assert.InRange(fired.Alert.Baseline, 0.03, 0.07);
        Assert.True(fired.At - change < TimeSpan.FromHours(12));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Engine_OnePointPerDayDecline_DriftFiresWithinFiveDays(int seed)
    {
        var driftStart = Start + TimeSpan.FromDays(7);
        double PassRate(DateTimeOffset at, string _) =>
            0.9 - (0.01 * Math.Max(0, (at - driftStart).TotalDays));
        var evals = SyntheticQuality.HourlyEvals(Start, TimeSpan.FromDays(14), 20, PassRate, seed);
        var events = Replay(evals, []);

        var drift = events.Fired(AlertSignals.QualityDrift).First();
        output.WriteLine($"seed {seed}: drift alert {(drift.At - driftStart).TotalDays:0.0} days after the decline began");
        Assert.InRange(drift.At - driftStart, TimeSpan.FromDays(1), TimeSpan.FromDays(5));
        Assert.Equal(AlertCategory.Quality, drift.Alert.Category);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void SlowDriftDetector_StableRateForAMonth_NeverFires(int seed)
    {
        var detector = new SlowDriftDetector(new DriftRules());
        var rng = new Random(seed);
        var fired = 0;
        for (var hour = 0; hour < 30 * 24; hour++)
        {
            for (var i = 0; i < 20; i++)
            {
                fired += detector.Observe(Start.AddHours(hour).AddSeconds(i), rng.NextDouble() < 0.9) == DetectorVerdict.Fire ? 1 : 0;
            }
        }

        Assert.Equal(0, fired);
    }

    private static List<AlertEvent> Replay(IEnumerable<EvalResult> evals, IEnumerable<FeedbackRecord> feedback)
    {
        var engine = new DetectionEngine();
        var events = new List<AlertEvent>();
        var merged = evals.Select(e => (e.Timestamp, (object)e)).Concat(feedback.Select(f => (f.Timestamp, (object)f))).OrderBy(x => x.Timestamp);
        foreach (var (_, record) in merged)
        {
            if (record is EvalResult e)
            {
                engine.Observe(e);
            }
            else
            {
                engine.Observe((FeedbackRecord)record);
            }

            events.AddRange(engine.Drain());
        }

        return events;
    }
}
