using Microsoft.Extensions.Time.Testing;
using Quell.Calls;
using Quell.Ingest;
using Quell.Simulation;
using Quell.Simulation.Scenarios;
using Quell.Storage;
using Quell.Tests.Server;

namespace Quell.Tests.Playbook;

/// <summary>A Quell server holding 14 simulated hours with a cost creep on support_chat and a quality regression on doc_search.</summary>
public sealed class SimulatedIncidentsFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset CostOnset = Start.AddHours(9);
    public static readonly DateTimeOffset QualityOnset = Start.AddHours(10);

    public CostCreepScenario Cost { get; } = new(CostOnset, TimeSpan.FromHours(8));

    public QualityRegressionScenario Quality { get; } = new(QualityOnset, TimeSpan.FromHours(8), feature: "doc_search");

    public QuellTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var time = new FakeTimeProvider(Start.AddHours(14));
        Server = await QuellTestServer.StartAsync(time: time);
        var events = new AppSimulator(new SimulationOptions { Seed = 21, Duration = TimeSpan.FromHours(14), RequestsPerSecond = 0.4, EvalInterval = TimeSpan.FromMinutes(20) }, [Cost, Quality]).Run().ToList();
        var preparer = Server.Service<CallPreparer>();
        var calls = events.OfType<SimulatedCall>().Select(c => preparer.Prepare(c.Call)).ToList();
        var log = Server.Service<ICallLog>();
        foreach (var chunk in calls.Chunk(20_000))
        {
            await log.AppendAsync(chunk);
        }

        await Server.Service<IChangeLog>().AppendAsync(events.OfType<SimulatedChange>().Select(SyntheticIncidents.ToChange).ToList());
        await Server.Service<IQualityLog>().AppendEvalsAsync(events.OfType<SimulatedEvalResult>().Select(SyntheticIncidents.ToEval).ToList());
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
