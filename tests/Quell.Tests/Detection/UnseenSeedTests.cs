using Quell.Alerts;
using Quell.Cli;
using Quell.Demo;
using Quell.Simulation;
using Xunit.Abstractions;

namespace Quell.Tests.Detection;

/// <summary>
/// The demo's vendor latency spike and error burst on seeds no setting was chosen on: the demo's simulator and
/// configuration, the same detector core the server runs (through <c>quell backtest</c>), the demo's evaluator.
/// Long (three simulated days per seed); docs/detection.md has the 20-seed table this samples.
/// </summary>
public sealed class UnseenSeedTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LatencyBound = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ErrorBound = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(3001)]
    [InlineData(3002)]
    [InlineData(3003)]
    public void Demo_UnseenSeed_LatencySpikeUnder3MinutesErrorBurstUnder5AndNoFalseAlarm(int seed)
    {
        var sim = new SimulationOptions { Seed = seed, Duration = TimeSpan.FromDays(3), RequestsPerSecond = 0.5 };
        var scenarios = ScenarioCatalog.Create(["latency_spike", "error_burst"], sim, []);
        var calls = new AppSimulator(sim, scenarios).Run().OfType<SimulatedCall>().Select(c => c.Call).ToList();

        var events = BacktestCommand.Backtest(calls, [], [], DemoOnCall.Config(new Uri("http://127.0.0.1:9/")));

        var fired = events.Where(e => e.Kind == AlertEventKind.Fired).Select(e => e.Alert).DistinctBy(a => a.Id).ToList();
        var (outcomes, falseAlarms) = ScenarioEvaluator.Evaluate(scenarios, fired, sim.Start + sim.Duration);
        foreach (var o in outcomes)
        {
            output.WriteLine($"seed {seed} {o.Name}: {o.DelaySeconds} s ({o.Signal}), {o.Attribution}");
        }

        var latency = outcomes.Single(o => o.Name == "latency_spike");
        var errors = outcomes.Single(o => o.Name == "error_burst");
        Assert.True(latency.Detected);
        Assert.InRange(latency.DelaySeconds!.Value, 0, LatencyBound.TotalSeconds - 1);
        Assert.True(latency.AttributionCorrect);
        Assert.True(errors.Detected);
        Assert.InRange(errors.DelaySeconds!.Value, 0, ErrorBound.TotalSeconds - 1);
        Assert.Empty(falseAlarms);
    }
}
