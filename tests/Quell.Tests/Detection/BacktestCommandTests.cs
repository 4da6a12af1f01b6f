using Quell.Cli;
using Quell.Configuration;
using Quell.Demo;
using Quell.Simulation;

namespace Quell.Tests.Detection;

public sealed class BacktestCommandTests
{
    [Fact]
    public void Backtest_SimulatedLatencySpike_SameDetectorsRaiseAttributedAlert()
    {
        var sim = new SimulationOptions { Seed = 4, Duration = TimeSpan.FromDays(2), RequestsPerSecond = 0.5 };
        var scenario = ScenarioCatalog.Create(["latency_spike"], sim, []).Single();
        var calls = new AppSimulator(sim, [scenario]).Run().OfType<SimulatedCall>().Select(c => c.Call).ToList();

        var events = BacktestCommand.Backtest(calls, [], [], new QuellConfig());

        var fired = events.Where(e => e.Kind == Alerts.AlertEventKind.Fired).Select(e => e.Alert).ToList();
        var latency = Assert.Single(fired.Where(a => a.Category == Alerts.AlertCategory.Latency).GroupBy(a => a.Fingerprint).Select(g => g.First()).Take(1));
        Assert.InRange(latency.FiredAt, scenario.Onset, scenario.Onset.AddMinutes(30));
        Assert.Contains("eu-west", latency.Attribution.Sentence, StringComparison.Ordinal);
        Assert.DoesNotContain(fired, a => a.FiredAt < scenario.Onset);
    }
}
