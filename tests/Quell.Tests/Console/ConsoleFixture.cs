using Microsoft.Extensions.Time.Testing;
using Quell.Configuration;
using Quell.Incidents;
using Quell.Ingest;
using Quell.Server.Detection;
using Quell.Server.Incidents;
using Quell.Simulation;
using Quell.Simulation.Scenarios;
using Quell.Storage;
using Quell.Tests.Playbook;
using Quell.Tests.Server;

namespace Quell.Tests.Console;

/// <summary>
/// A Quell server holding three simulated days of a multi-tenant application in which openai eu-west slows down
/// four-fold for support_chat on the third day; the detectors run over it, so the incident the console shows is real.
/// One Chromium serves all console tests.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Onset = Start.AddHours(60);
    public static readonly DateTimeOffset End = Start.AddHours(66);

    public QuellTestServer Server { get; private set; } = null!;

    public ConsoleBrowser Browser { get; } = new();

    public FakeTimeProvider Time { get; } = new(End);

    public static QuellConfig Config => new() { Incidents = new IncidentsConfig { Grouping = new GroupingConfig { GroupWait = TimeSpan.Zero } } };

    /// <summary>An OpenAI-compatible model server named in quell.yaml as the replay target "staging".</summary>
    public Gateway.MockModelServer ReplayTarget { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ReplayTarget = await Gateway.MockModelServer.StartAsync();
        var targets = new Dictionary<string, EvalTargetConfig> { ["staging"] = new() { Url = ReplayTarget.BaseAddress.ToString(), Model = "gpt-4o-mini" } };
        Server = await QuellTestServer.StartAsync(Config with { Evals = new EvalsConfig { Targets = targets } }, Time);
        var sim = new SimulationOptions { Seed = 11, Start = Start, Duration = End - Start, RequestsPerSecond = 0.25, EvalInterval = TimeSpan.FromHours(1) };
        var events = new AppSimulator(sim, [new LatencySpikeScenario(Onset, TimeSpan.FromHours(6))]).Run().ToList();
        var preparer = Server.Service<CallPreparer>();
        var log = Server.Service<ICallLog>();
        foreach (var chunk in events.OfType<SimulatedCall>().Select(c => preparer.Prepare(c.Call)).Chunk(20_000))
        {
            await log.AppendAsync(chunk);
        }

        await Server.Service<IChangeLog>().AppendAsync(events.OfType<SimulatedChange>().Select(SyntheticIncidents.ToChange).ToList());
        await Server.Service<DetectionService>().AdvanceToAsync(End);

        // Eval results go in after the calls were seen: loaded all at once, they would run the detectors' clock
        // ahead of calls still unread. The overview charts them all the same.
        await Server.Service<IQualityLog>().AppendEvalsAsync(events.OfType<SimulatedEvalResult>().Select(SyntheticIncidents.ToEval).ToList());
        await Server.Service<IncidentService>().TickAsync();
        await Browser.InitializeAsync();
    }

    /// <summary>The latency incident the spike opened.</summary>
    public async Task<Incident> LatencyIncidentAsync()
    {
        var all = await Server.Service<IncidentService>().ListAsync(new IncidentQuery(Limit: 100));
        return all.First(i => i.Category == "latency" && i.Feature == "support_chat");
    }

    /// <summary>An incident nobody acknowledged: one opened through Alertmanager for this test alone.</summary>
    public async Task<Incident> OpenIncidentAsync()
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..12];
        using var body = new StringContent(Incidents.IncidentApiTests.AlertmanagerBody(alertname: "GatewayErrors", fingerprint: fingerprint, extraLabels: $",\"run\":\"{fingerprint}\""), System.Text.Encoding.UTF8, "application/json");
        using var response = await Server.Client.PostAsync("/api/v1/alertmanager", body);
        response.EnsureSuccessStatusCode();
        var id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("incidents")[0].GetString()!;
        return (await Server.Service<IncidentService>().GetAsync(id))!;
    }

    /// <summary>A new key with the given scopes, as a user would paste it into the sign-in form.</summary>
    public Task<string> KeyAsync(string name, params string[] scopes) => Task.FromResult(Server.MintKey(scopes, name: name));

    /// <summary>Puts a new key with the given scopes on a request the test sends itself.</summary>
    public async Task AuthorizeAsync(HttpRequestMessage request, params string[] scopes) =>
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await KeyAsync($"test-{Guid.NewGuid():N}"[..13], scopes));

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Server.DisposeAsync();
        await ReplayTarget.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
