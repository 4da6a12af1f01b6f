using Quell.Simulation;
using Quell.Simulation.Scenarios;

namespace Quell.Demo;

/// <summary>The demo's named scenarios and when, within the simulated span, each one starts.</summary>
public static class ScenarioCatalog
{
    /// <summary>Scenario names `--scenario` accepts, in the order they happen in a full run.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["latency_spike", "error_burst", "cost_creep", "quality_drift", "agent_loop", "quality_regression", "pii_leak", "cross_tenant_leak", "injection_campaign", "isolation_probe_failure", "latency_spike_again"];

    /// <summary>A full run needs this much simulated time for every scenario to start and be detectable.</summary>
    public static TimeSpan FullRunDuration { get; } = TimeSpan.FromDays(14);

    public static IReadOnlyList<IScenario> Create(IReadOnlyList<string> requested, SimulationOptions sim, IReadOnlyList<(string Tenant, string Token)> canaries)
    {
        if (requested.Count == 1 && requested[0] == "none")
        {
            return [];
        }

        var unknown = requested.Where(r => !Names.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown scenario(s): {string.Join(", ", unknown)}; known: {string.Join(", ", Names)}");
        }

        var day = sim.Start;
        var all = new List<IScenario>
        {
            new LatencySpikeScenario(day.AddDays(1).AddHours(14), TimeSpan.FromHours(2)),
            new ErrorBurstScenario(day.AddDays(2).AddHours(10), TimeSpan.FromMinutes(45)),
            new CostCreepScenario(day.AddDays(3).AddHours(9), TimeSpan.FromHours(36)),
            // The drift is found after days by nature; the team ships a fix on day 13 so it is verified and written up too.
            new QualityDriftScenario(day.AddDays(4), TimeSpan.FromDays(9)),
            new AgentLoopScenario(day.AddDays(5).AddHours(15), TimeSpan.FromHours(4)),
            new QualityRegressionScenario(day.AddDays(7).AddHours(11), TimeSpan.FromDays(1)),
            new PiiLeakScenario(day.AddDays(8).AddHours(14), TimeSpan.FromHours(3)),
            new CrossTenantLeakScenario(day.AddDays(9).AddHours(10), TimeSpan.FromHours(6), canaries),
            new InjectionCampaignScenario(day.AddDays(10).AddHours(16), TimeSpan.FromHours(1)),
            new IsolationProbeFailureScenario(day.AddDays(11).AddHours(9), TimeSpan.FromHours(4), canaries),

            // The same vendor trouble ten days later: the incident memory must connect it to the first one.
            new LatencySpikeScenario(day.AddDays(12).AddHours(14), TimeSpan.FromHours(2), name: "latency_spike_again"),
        };
        var end = sim.Start + sim.Duration;
        return all
            .Where(s => requested.Count == 0 || requested.Contains(s.Name, StringComparer.OrdinalIgnoreCase))
            .Where(s => s.Onset < end)
            .ToList();
    }
}
