using Quell.Demo;
using Quell.Simulation;

namespace Quell.Tests.Simulation;

public sealed class SimulatorTests
{
    private static readonly SimulationOptions ShortRun = new() { Seed = 11, Duration = TimeSpan.FromHours(6), RequestsPerSecond = 0.5 };

    [Fact]
    public void Run_SameSeed_SameEvents()
    {
        var a = new AppSimulator(ShortRun).Run().OfType<SimulatedCall>().Select(c => (c.Call.Id, c.Call.Timestamp, c.Call.InputTokens, c.Call.LatencyMs)).ToList();
        var b = new AppSimulator(ShortRun).Run().OfType<SimulatedCall>().Select(c => (c.Call.Id, c.Call.Timestamp, c.Call.InputTokens, c.Call.LatencyMs)).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a, new AppSimulator(ShortRun with { Seed = 12 }).Run().OfType<SimulatedCall>().Select(c => (c.Call.Id, c.Call.Timestamp, c.Call.InputTokens, c.Call.LatencyMs)).ToList());
    }

    [Fact]
    public void Run_EventsAreInTimestampOrderWithinTheSpan()
    {
        var events = new AppSimulator(ShortRun).Run().ToList();
        Assert.True(events.Count > 1000);
        Assert.All(events.Zip(events.Skip(1)), p => Assert.True(p.First.Timestamp <= p.Second.Timestamp));
        Assert.All(events, e => Assert.InRange(e.Timestamp, ShortRun.Start, ShortRun.Start + ShortRun.Duration));
    }

    [Fact]
    public void Run_World_HasFourFeaturesManyTenantsAgentsAndRag()
    {
        var sim = new AppSimulator(ShortRun with { Duration = TimeSpan.FromDays(1) });
        var calls = sim.Run().OfType<SimulatedCall>().Select(c => c.Call).ToList();
        Assert.Equal(4, calls.Select(c => c.Feature).Distinct().Count());
        Assert.True(calls.Select(c => c.Tenant).Distinct().Count() >= 20);
        Assert.True(calls.Select(c => c.Provider).Distinct().Count() >= 3);
        Assert.Contains(calls, c => c.Operation == "embeddings");
        Assert.Contains(calls, c => c.Retrieved.Count > 0 && c.Retrieved.All(d => d.Tenant == c.Tenant));
        var agentTraces = calls.Where(c => c.Feature == "research_agent").GroupBy(c => c.TraceId).Select(g => g.Count()).ToList();
        Assert.True(agentTraces.Average() > 2, "agents call the model several times per trace");

        // Daily cycle: the afternoon peak carries several times the night's traffic.
        var byHour = calls.GroupBy(c => c.Timestamp.Hour).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(byHour[14] > 3 * byHour[2]);
    }

    [Fact]
    public async Task Demo_ShortRun_StoresEveryCallThroughRealIngest()
    {
        var report = await new DemoRunner(new DemoOptions { Seed = 3, Duration = TimeSpan.FromHours(3), RequestsPerSecond = 0.5 }, new SilentDemoProgress()).RunAsync(CancellationToken.None);
        Assert.True(report.Calls > 1000);
        Assert.Equal(report.Ingest.CallsSent, report.Calls);
        Assert.Equal(0, report.Ingest.Rejected);
        Assert.Equal(0, report.UnpricedCalls);
        Assert.True(report.CostUsd > 0);
        Assert.Equal(4, report.ByFeature.Count);
        Assert.True(report.ByTenant.Count >= 20);
        Assert.Equal(report.Calls, report.ByModel.Sum(m => m.Calls));
    }
}
