using Quell.Alerts;
using Quell.Calls;
using Quell.Detection;
using Xunit.Abstractions;

namespace Quell.Tests.Detection;

public sealed class LatencyDetectionTests(ITestOutputHelper output)
{
    // A day and nine hours of history: the change lands at 09:00, when traffic runs at its 5 calls/s mean.
    private static readonly TimeSpan Warmup = TimeSpan.FromHours(33);

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    public void Engine_P99TripledAtFiveCallsPerSecond_FiresWithinTwoMinutes(int seed)
    {
        var onset = SyntheticTraffic.Start + Warmup;
        var shape = new TrafficShape
        {
            CallsPerSecond = 5,
            Inject = c => c.Timestamp >= onset ? c with { LatencyMs = c.LatencyMs * 3 } : c,
        };
        var engine = new DetectionEngine();
        var events = EngineHarness.Run(engine, SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, Warmup + TimeSpan.FromMinutes(30), seed));

        Assert.DoesNotContain(events.Fired(), e => e.At < onset);
        var p99 = events.Fired(AlertSignals.LatencyP99).First();
        output.WriteLine($"seed {seed}: p99 alert {(p99.At - onset).TotalSeconds:0} s after onset; first latency alert {(events.Fired().First().At - onset).TotalSeconds:0} s");
        Assert.InRange(p99.At - onset, TimeSpan.Zero, TimeSpan.FromMinutes(2));
        Assert.Equal(AlertCategory.Latency, p99.Alert.Category);
        Assert.InRange(p99.Alert.Observed / p99.Alert.Baseline, 2, 5);
        Assert.InRange(p99.Alert.OnsetEstimate, onset - TimeSpan.FromMinutes(2), onset + TimeSpan.FromMinutes(2));
        Assert.NotEmpty(p99.Alert.ExampleCallIds);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    public void Engine_RegionQuadrupledOnASlowSeries_FastTierFiresSoonerThanFullBlocks(int seed)
    {
        // Half a call per second: a full 100-call block takes over three minutes to fill; the fast tier's early block
        // (from 50 calls) is tested as soon as the calls above the old p95 are decisive. ×4 on one region of three.
        var onset = SyntheticTraffic.Start + Warmup;
        var shape = new TrafficShape
        {
            CallsPerSecond = 0.5,
            Inject = c => c.Timestamp >= onset && c.Region == "eu-west" ? c with { LatencyMs = c.LatencyMs * 4, TtftMs = c.TtftMs * 4 } : c,
        };
        var calls = SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, Warmup + TimeSpan.FromMinutes(30), seed).ToList();

        var events = EngineHarness.Run(new DetectionEngine(), calls);
        var blocksOnly = EngineHarness.Run(new DetectionEngine(new DetectionRules { Latency = new LatencyRules { FastExceedanceRatio = null } }), calls);

        Assert.DoesNotContain(events.Fired(), e => e.At < onset);
        var first = events.Fired().First(e => e.Alert.Category == AlertCategory.Latency);
        var firstBlocksOnly = blocksOnly.Fired().First(e => e.Alert.Category == AlertCategory.Latency);
        output.WriteLine($"seed {seed}: {first.Alert.Signal} after {(first.At - onset).TotalSeconds:0} s (blocks only: {(firstBlocksOnly.At - onset).TotalSeconds:0} s); {first.Alert.Attribution.Sentence}");
        Assert.InRange(first.At - onset, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.True(first.At < firstBlocksOnly.At);
        Assert.Contains("region eu-west", first.Alert.Attribution.Sentence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    public void Engine_OnlyTailTripled_P99FiresWithinTwoMinutes(int seed)
    {
        // Calls beyond the 97th percentile take three times longer: p99 triples, the median does not move.
        var onset = SyntheticTraffic.Start + Warmup;
        var tail = 800 * Math.Exp(0.5 * 1.88);
        var shape = new TrafficShape
        {
            CallsPerSecond = 5,
            LoadLatencyEffect = 0,
            Inject = c => c.Timestamp >= onset && c.LatencyMs > tail ? c with { LatencyMs = c.LatencyMs * 3 } : c,
        };
        var events = EngineHarness.Run(new DetectionEngine(), SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, Warmup + TimeSpan.FromMinutes(10), seed));

        Assert.DoesNotContain(events.Fired(), e => e.At < onset);
        var p99 = events.Fired(AlertSignals.LatencyP99).First();
        output.WriteLine($"seed {seed}: tail-only p99 alert {(p99.At - onset).TotalSeconds:0} s after onset");
        Assert.InRange(p99.At - onset, TimeSpan.Zero, TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void Engine_ShiftOnlyInEuWest_AttributionNamesRegionEuWest()
    {
        var onset = SyntheticTraffic.Start + Warmup;
        var shape = new TrafficShape
        {
            CallsPerSecond = 5,
            Inject = c => c.Timestamp >= onset && c.Region == "eu-west" ? c with { LatencyMs = c.LatencyMs * 4 } : c,
        };
        var engine = new DetectionEngine();
        var events = EngineHarness.Run(engine, SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, Warmup + TimeSpan.FromMinutes(20), 21));

        var alert = events.Fired().First(e => e.Alert.Category == AlertCategory.Latency).Alert;
        output.WriteLine(alert.Summary);
        var top = Assert.Single(alert.Attribution.Factors);
        Assert.Equal(("region", "eu-west"), (top.Dimension, top.Value));
        Assert.Contains("region eu-west", alert.Attribution.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_LatencyRecovers_AlertResolves()
    {
        var onset = SyntheticTraffic.Start + Warmup;
        var end = onset + TimeSpan.FromMinutes(15);
        var shape = new TrafficShape
        {
            CallsPerSecond = 5,
            Inject = c => c.Timestamp >= onset && c.Timestamp < end ? c with { LatencyMs = c.LatencyMs * 3 } : c,
        };
        var engine = new DetectionEngine();
        var events = EngineHarness.Run(engine, SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, Warmup + TimeSpan.FromMinutes(60), 31));

        var fired = events.Fired(AlertSignals.LatencyP99).First();
        var resolved = events.First(e => e.Kind == AlertEventKind.Resolved && e.Alert.Fingerprint == fired.Alert.Fingerprint);
        Assert.InRange(resolved.At - end, TimeSpan.Zero, TimeSpan.FromMinutes(20));
        Assert.Equal(AlertState.Resolved, resolved.Alert.State);
    }

    [Fact]
    public void Engine_LatencySloConfigured_FiresWithoutBaseline()
    {
        var rules = new DetectionRules
        {
            Features = new Dictionary<string, FeatureRules> { ["support_chat"] = new() { SloP99Ms = 2000 } },
        };
        var shape = new TrafficShape { CallsPerSecond = 5, MedianLatencyMs = 1500 };
        var engine = new DetectionEngine(rules);
        var events = EngineHarness.Run(engine, SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, TimeSpan.FromMinutes(10), 5));

        var slo = events.Fired(AlertSignals.LatencySlo).First();
        Assert.Equal(2000, slo.Alert.Baseline);
        Assert.True(slo.At - SyntheticTraffic.Start < TimeSpan.FromMinutes(2));
    }
}
