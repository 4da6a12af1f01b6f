using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Quell.Calls;
using Quell.Configuration;
using Quell.Incidents;
using Quell.Response;
using Quell.Server.Incidents;
using Quell.Storage;
using Quell.Tests.Server;

namespace Quell.Tests.Postmortems;

/// <summary>A real Quell server on a fake clock with helpers to log calls and open incidents the way detectors and Alertmanager do.</summary>
public sealed class FixAndLearnServer : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private FixAndLearnServer(QuellTestServer server, FakeTimeProvider time)
    {
        Server = server;
        Time = time;
    }

    public QuellTestServer Server { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Client => Server.Client;

    public IncidentService Incidents => Server.Service<IncidentService>();

    public static async Task<FixAndLearnServer> StartAsync(Func<QuellConfig, QuellConfig>? configure = null, string? dataDirectory = null)
    {
        var config = Quell.Tests.Security.LoopbackTargets.Allow(new QuellConfig { Incidents = new IncidentsConfig { Grouping = new GroupingConfig { GroupWait = TimeSpan.Zero } } });
        var time = new FakeTimeProvider(Start);
        var server = await QuellTestServer.StartAsync(configure?.Invoke(config) ?? config, time, dataDirectory);
        return new FixAndLearnServer(server, time);
    }

    public Task AppendAsync(params CallRecord[] calls) => Server.Service<ICallLog>().AppendAsync(calls);

    public static IncidentSignal Signal(string category, string feature, string fingerprint, string summary, IReadOnlyList<string>? examples = null, DateTimeOffset? at = null, string signal = "pii_in_output", IReadOnlyDictionary<string, string>? labels = null) => new()
    {
        AlertId = $"alert-{fingerprint}-{Guid.NewGuid():N}"[..24],
        Fingerprint = fingerprint,
        Category = category,
        Signal = signal,
        Summary = summary,
        Labels = labels ?? new Dictionary<string, string> { ["feature"] = feature },
        FiredAt = at ?? Start,
        OnsetEstimate = (at ?? Start).AddMinutes(-4),
        ExampleCallIds = examples ?? [],
        AffectedTenants = ["acme"],
        AffectedUsers = 2,
        AffectedCalls = 3,
    };

    public async Task<string> OpenAsync(IncidentSignal signal) => (await Incidents.IngestSignalAsync(signal))!.Incident.Id;

    public async Task<Incident> RunAsync(string id, Func<IncidentManager, Incident, CommandResult> command)
    {
        var result = await Incidents.ExecuteAsync(id, command);
        Assert.True(result!.Ok, result.Refusal?.Message);
        return result.Change!.Incident;
    }

    public Task<HttpResponseMessage> PostAsync(string path, string json) => Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await Client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>())!;
    }

    public async Task<IReadOnlyList<TimelineEntry>> TimelineAsync(string id) => await Incidents.TimelineAsync(id);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
