using Quell.Alerts;
using Quell.Calls;
using Quell.Detection;
using Xunit.Abstractions;

namespace Quell.Tests.Detection;

public sealed class ErrorAndCostDetectionTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Onset = SyntheticTraffic.Start + TimeSpan.FromHours(33);

    [Fact]
    public void Engine_RateLimitsOnUsEastOnly_BurnRateFiresAndNamesRegion()
    {
        var shape = new TrafficShape
        {
            Inject = c => c.Timestamp >= Onset && c.Region == "us-east"
                ? c with { Status = CallStatus.Error, ErrorType = "429" }
                : c,
        };
        var events = EngineHarness.Run(new DetectionEngine(), SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, TimeSpan.FromHours(34), 7));

        Assert.DoesNotContain(events.Fired(), e => e.At < Onset);
        var fired = events.Fired(AlertSignals.ErrorRate).First();
        output.WriteLine($"us-east 429s: fired {(fired.At - Onset).TotalMinutes:0.0} min after onset: {fired.Alert.Summary}");

        // A third of calls failing is a 33× burn of a 99 % SLO: the 1 h window would cross 14.4× after ~26 minutes, the
        // fast tier's sequential test decides within a few dozen calls.
        Assert.InRange(fired.At - Onset, TimeSpan.Zero, TimeSpan.FromMinutes(2));
        Assert.Equal(ErrorTypes.RateLimited, fired.Alert.Labels["error_type"]);
        Assert.InRange(fired.Alert.OnsetEstimate, Onset - TimeSpan.FromMinutes(6), Onset + TimeSpan.FromMinutes(1));
        Assert.Equal(("region", "us-east"), (fired.Alert.Attribution.Factors[0].Dimension, fired.Alert.Attribution.Factors[0].Value));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Engine_TwentyTimesBurnAtLowTraffic_FastTierPagesWithinFiveMinutes(int seed)
    {
        // One call every 5 s on the series (the demo's traffic per provider), 20 % errors: a 20× burn of a 99 % SLO.
        var rng = new Random(seed);
        var shape = new TrafficShape
        {
            CallsPerSecond = 0.2,
            Inject = c => c.Timestamp >= Onset && rng.NextDouble() < 0.2 ? c with { Status = CallStatus.Error, ErrorType = "429" } : c,
        };
        var events = EngineHarness.Run(new DetectionEngine(), SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, TimeSpan.FromHours(35), seed));

        Assert.DoesNotContain(events.Fired(), e => e.At < Onset);
        var fired = events.Fired(AlertSignals.ErrorRate).First();
        output.WriteLine($"seed {seed}: 20× burn paged after {(fired.At - Onset).TotalSeconds:0} s");
        Assert.InRange(fired.At - Onset, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.InRange(fired.Alert.OnsetEstimate, Onset - TimeSpan.FromMinutes(6), fired.At);

        // One episode: the alert stays open while the burst lasts (the 1 h window takes over later), no re-fire.
        Assert.Single(events.Fired(AlertSignals.ErrorRate));
    }

    [Fact]
    public void Engine_ThreeTimesBurn_FastTierStaysQuiet()
    {
        var rng = new Random(4);
        var shape = new TrafficShape
        {
            Inject = c => c.Timestamp >= Onset && rng.NextDouble() < 0.03 ? c with { Status = CallStatus.Error, ErrorType = "503" } : c,
        };
        var events = EngineHarness.Run(new DetectionEngine(), SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, TimeSpan.FromHours(35), 4));
        Assert.Empty(events.Fired(AlertSignals.ErrorRate));
    }

    [Fact]
    public void Engine_TotalOutage_FiresWithinTenMinutes()
    {
        var shape = new TrafficShape
        {
            Inject = c => c.Timestamp >= Onset ? c with { Status = CallStatus.Error, ErrorType = "503" } : c,
        };
        var events = EngineHarness.Run(new DetectionEngine(), SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, TimeSpan.FromHours(33.5), 8));

        var fired = events.Fired(AlertSignals.ErrorRate).First();
        Assert.InRange(fired.At - Onset, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Assert.Equal(ErrorTypes.ServerError, fired.Alert.Labels["error_type"]);
    }

    [Fact]
    public void Engine_NewPromptDoublesInputTokens_CostAlertExplainsTokensAndPromptVersion()
    {
        var shape = new TrafficShape
        {
            Inject = c => c.Timestamp >= Onset
                ? c with { PromptVersion = "v13", InputTokens = c.InputTokens * 2, CostUsd = c.CostUsd + (c.InputTokens * 2.5e-6) }
                : c,
        };
        var events = EngineHarness.Run(new DetectionEngine(), SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, TimeSpan.FromHours(34), 9));

        Assert.DoesNotContain(events.Fired(), e => e.At < Onset);
        var cost = events.Fired(AlertSignals.CostPerCall).First();
        output.WriteLine($"prompt bloat: fired {(cost.At - Onset).TotalSeconds:0} s after onset: {cost.Alert.Summary}");
        Assert.True(cost.At - Onset < TimeSpan.FromMinutes(5), $"took {cost.At - Onset}");
        Assert.Equal(AlertCategory.Cost, cost.Alert.Category);
        Assert.Contains("because input tokens per call rose", cost.Alert.Summary, StringComparison.Ordinal);
        Assert.Equal(("prompt_version", "v13"), (cost.Alert.Attribution.Factors[0].Dimension, cost.Alert.Attribution.Factors[0].Value));
        Assert.Contains(events.Fired(AlertSignals.InputTokensPerCall), e => e.At - Onset < TimeSpan.FromMinutes(5));
        Assert.DoesNotContain(events.Fired(AlertSignals.OutputTokensPerCall), _ => true);
    }

    [Fact]
    public void Engine_TenantOverDailyBudget_SpendAlertThenResolvesNextDay()
    {
        var rules = new DetectionRules { Cost = new CostRules { DailyBudgetUsdByTenant = new Dictionary<string, double> { ["acme"] = 50 } } };
        var shape = new TrafficShape { Tenants = ["acme"] };
        var events = EngineHarness.Run(new DetectionEngine(rules), SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, TimeSpan.FromHours(25), 10));

        // ~432,000 calls a day at $0.006 ≈ $2,600: the projection trips early on the first day.
        var fired = events.Fired(AlertSignals.SpendRate).First();
        Assert.Equal("acme", fired.Alert.Labels["tenant"]);
        Assert.True(fired.At < SyntheticTraffic.Start + TimeSpan.FromHours(2));
        Assert.Contains(events, e => e.Kind == AlertEventKind.Resolved && e.Alert.Signal == AlertSignals.SpendRate);
    }
}
