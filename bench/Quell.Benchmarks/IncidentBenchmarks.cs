using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quell.Configuration;
using Quell.Incidents;
using Quell.OnCall;
using Quell.Server;
using Quell.Server.Incidents;

namespace Quell.Benchmarks;

/// <summary>Decision cost of the incident manager: a new incident, and a duplicate alert, with 200 incidents open.</summary>
[MemoryDiagnoser]
public class IncidentBenchmarks
{
    private IncidentManager _manager = null!;
    private List<Incident> _open = null!;
    private IncidentSignal _fresh = null!;
    private IncidentSignal _duplicate = null!;

    [GlobalSetup]
    public void Setup()
    {
        _manager = new IncidentManager(new IncidentPolicy { GroupWait = TimeSpan.Zero }, OnCallDirectory.Default, TimeProvider.System);
        _open = [];
        for (var i = 0; i < 200; i++)
        {
            _open.Add(_manager.Ingest(IncidentLoad.Signal(i), _open, [])!.Incident);
        }

        _fresh = IncidentLoad.Signal(10_000);
        _duplicate = IncidentLoad.Signal(100);
    }

    [Benchmark]
    public IncidentChange? NewIncident() => _manager.Ingest(_fresh, _open, []);

    [Benchmark]
    public IncidentChange? DuplicateAlert() => _manager.Ingest(_duplicate, _open, []);
}

/// <summary>
/// End to end against a loopback PagerDuty receiver: time from IngestSignalAsync to the page arriving, and sustained
/// incidents and delivered notifications per second. Run: dotnet run -c Release --project bench/Quell.Benchmarks -- incidents [count].
/// </summary>
public static class IncidentLoad
{
    public static IncidentSignal Signal(int i) => new()
    {
        AlertId = $"a-{i}-{Guid.NewGuid():N}",
        Fingerprint = $"fp-{i}",
        Category = "latency",
        Signal = "p95_latency",
        Labels = new Dictionary<string, string> { ["feature"] = $"feature_{i}", ["provider"] = "openai", ["alertname"] = "LatencyShift" },
        Summary = $"p95 latency doubled on feature_{i}",
        FiredAt = DateTimeOffset.UtcNow,
        AffectedTenants = ["t1"],
        TotalTenants = 50,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        var arrivals = new ConcurrentDictionary<string, long>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var receiver = builder.Build();
        receiver.Run(async ctx =>
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
            arrivals.TryAdd(doc.RootElement.GetProperty("dedup_key").GetString()!, Stopwatch.GetTimestamp());
            ctx.Response.StatusCode = 202;
        });
        await receiver.StartAsync();

        var data = Path.Combine(Path.GetTempPath(), "quell-bench", Guid.NewGuid().ToString("N"));
        var config = new QuellConfig
        {
            Incidents = new IncidentsConfig { Grouping = new GroupingConfig { GroupWait = TimeSpan.Zero } },
            Channels = new ChannelsConfig { Pagerduty = new PagerDutyChannelConfig { BaseUrl = receiver.BoundAddress().ToString(), RoutingKey = "bench" } },
        };
        await using var app = QuellServer.Build(new QuellServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = data, Config = config, AdminKey = Security.ApiKeySecret.New() });
        await app.StartAsync();
        var service = app.Services.GetRequiredService<IncidentService>();

        // 1. Latency: one incident at a time, from the call that feeds the alert to the page at the receiver.
        var latencies = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var change = await service.IngestSignalAsync(Signal(i));
            var id = change!.Incident.Id;
            long arrived;
            while (!arrivals.TryGetValue(id, out arrived))
            {
                await Task.Yield();
            }

            latencies.Add(Stopwatch.GetElapsedTime(start, arrived).TotalMilliseconds);
        }

        latencies.Sort();

        // 2. Sustained: many alerts for distinct features, each its own incident and page.
        var before = arrivals.Count;
        var sw = Stopwatch.StartNew();
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add((await service.IngestSignalAsync(Signal(100_000 + i)))!.Incident.Id);
        }

        var ingestSeconds = sw.Elapsed.TotalSeconds;
        while (arrivals.Count < before + count)
        {
            await Task.Delay(5);
        }

        var deliveredSeconds = sw.Elapsed.TotalSeconds;
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            incident → first page delivered (n=200, sequential): p50 {Pct(latencies, 0.50):0.0} ms, p99 {Pct(latencies, 0.99):0.0} ms, max {latencies[^1]:0.0} ms
            sustained: {count} incidents opened in {ingestSeconds:0.00} s = {count / ingestSeconds:0} incidents/s (each committed with its outbox row)
            sustained: {count} pages delivered in {deliveredSeconds:0.00} s = {count / deliveredSeconds:0} notifications/s
            """));
        await app.StopAsync();
        await receiver.StopAsync();
        return 0;
    }

    private static double Pct(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
