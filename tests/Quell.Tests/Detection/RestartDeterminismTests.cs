using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Quell.Alerts;
using Quell.Calls;
using Quell.Configuration;
using Quell.Detection;
using Quell.Ingest;
using Quell.Server.Detection;
using Quell.Tests.Server;

namespace Quell.Tests.Detection;

/// <summary>
/// The real host over a SQLite file, fed over HTTP: the same history with and without a restart of the server in the
/// middle (while an alert is firing) must leave exactly the same alerts, and the store must agree with the engine.
/// </summary>
public sealed class RestartDeterminismTests
{
    private static readonly DateTimeOffset Start = SyntheticTraffic.Start;
    private static readonly DateTimeOffset SpikeAt = Start.AddHours(26);

    [Fact]
    public async Task Serve_RestartWhileAlertFiring_RaisesExactlyTheAlertsOfAnUninterruptedRun()
    {
        var (calls, evals, restartAt) = Scenario();
        var uninterrupted = await RunAsync(calls, evals, restartAfterCall: null);
        var restarted = await RunAsync(calls, evals, restartAfterCall: restartAt);
        AssertSame(uninterrupted, restarted);
    }

    /// <summary>The scenario of <see cref="Serve_RestartWhileAlertFiring_RaisesExactlyTheAlertsOfAnUninterruptedRun"/>.</summary>
    internal static (List<CallRecord> Calls, List<(DateTimeOffset At, string Line)> Evals, int RestartAt) Scenario()
    {
        var shape = new TrafficShape
        {
            CallsPerSecond = 0.7,
            Inject = c => c.Timestamp >= SpikeAt && c.Timestamp < SpikeAt.AddMinutes(40) ? c with { LatencyMs = c.LatencyMs * 3, TtftMs = c.TtftMs * 3 } : c,
        };
        var calls = SyntheticTraffic.Generate(shape, Start, TimeSpan.FromHours(28), seed: 31).ToList();
        var rng = new Random(32);

        // An eval result every 5 minutes, half a second off the minute so no timestamp ties a call's.
        var evals = Enumerable.Range(0, 28 * 12).Select(i => (At: Start.AddMinutes(5 * i).AddSeconds(0.5), Line: JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["suite"] = "golden",
            ["case"] = $"c{i % 40}",
            ["passed"] = rng.NextDouble() < 0.9,
            ["feature"] = "support_chat",
            ["timestamp"] = Start.AddMinutes(5 * i).AddSeconds(0.5).ToString("O"),
        }))).ToList();
        return (calls, evals, calls.FindIndex(c => c.Timestamp >= SpikeAt.AddMinutes(15)));
    }

    internal static void AssertSame((List<ServedAlert> Alerts, List<string> EngineActive) uninterrupted, (List<ServedAlert> Alerts, List<string> EngineActive) restarted)
    {

        var latency = uninterrupted.Alerts.Where(a => a.Signal is AlertSignals.LatencyP95 or AlertSignals.LatencyP99 or AlertSignals.TtftP95).ToList();
        Assert.NotEmpty(latency);
        Assert.Contains(latency, a => a.FiredAt >= SpikeAt && a.FiredAt < SpikeAt.AddMinutes(15));
        Assert.All(latency, a => Assert.Equal("resolved", a.State));
        Assert.Contains(uninterrupted.Alerts, a => a.Signal == AlertSignals.SpendRate);
        Assert.Equal(Describe(uninterrupted.Alerts), Describe(restarted.Alerts));
        Assert.Equal(uninterrupted.EngineActive, restarted.EngineActive);
        Assert.Equal(restarted.EngineActive, restarted.Alerts.Where(a => a.State == "firing").Select(a => a.Id).Order(StringComparer.Ordinal).ToList());
    }

    internal static async Task<(List<ServedAlert> Alerts, List<string> EngineActive)> RunAsync(List<CallRecord> calls, List<(DateTimeOffset At, string Line)> evals, int? restartAfterCall, string? postgres = null)
    {
        var config = new QuellConfig
        {
            // The clock stands at the start of the history, so time follows the data alone (no live advance).
            Limits = new IngestLimits { MaxFutureSkew = TimeSpan.FromDays(3) },
            Detection = new DetectionRules { Cost = new CostRules { DailyBudgetUsdByTenant = new Dictionary<string, double> { ["acme"] = 40 } } },
        };
        var time = new FakeTimeProvider(Start.AddMinutes(-1));
        var dir = TempDirectory.Create();
        var server = await QuellTestServer.StartAsync(config, time, dir, postgres: postgres);
        try
        {
            var nextEval = 0;
            const int chunk = 4000;
            for (var from = 0; from < calls.Count; from += chunk)
            {
                var part = calls.Skip(from).Take(chunk).ToList();
                if (restartAfterCall is int r && from <= r && r < from + chunk)
                {
                    // Split the chunk at the restart point: everything before it is stored and observed, then the
                    // process goes away and a new one starts on the same data directory.
                    await PostAsync(server, calls.Skip(from).Take(r - from).ToList(), evals, ref nextEval);
                    await server.DisposeAsync();
                    server = await QuellTestServer.StartAsync(config, time, dir, postgres: postgres);
                    part = calls.Skip(r).Take(from + chunk - r).ToList();
                }

                await PostAsync(server, part, evals, ref nextEval);
            }

            var detection = server.Service<DetectionService>();
            await detection.AdvanceToAsync(calls[^1].Timestamp.AddHours(1));
            var served = await server.Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?limit=1000");
            var alerts = served.EnumerateArray().Select(a => new ServedAlert(
                a.GetProperty("id").GetString()!,
                a.GetProperty("signal").GetString()!,
                a.GetProperty("state").GetString()!,
                a.GetProperty("fired_at").GetDateTimeOffset(),
                a.TryGetProperty("resolved_at", out var r) && r.ValueKind == JsonValueKind.String ? r.GetDateTimeOffset() : null)).ToList();
            return (alerts, detection.ActiveAlerts.Select(a => a.Id).Order(StringComparer.Ordinal).ToList());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static Task PostAsync(QuellTestServer server, List<CallRecord> part, List<(DateTimeOffset At, string Line)> evals, ref int nextEval)
    {
        if (part.Count == 0)
        {
            return Task.CompletedTask;
        }

        // The evals of the chunk's span are posted first: they arrive ahead of the calls they belong with.
        var until = part[^1].Timestamp;
        var first = nextEval;
        while (nextEval < evals.Count && evals[nextEval].At <= until)
        {
            nextEval++;
        }

        return SendAsync(server, part, evals.GetRange(first, nextEval - first).Select(e => e.Line).ToList());
    }

    private static async Task SendAsync(QuellTestServer server, List<CallRecord> part, List<string> evalLines)
    {
        if (evalLines.Count > 0)
        {
            using var e = await server.Client.PostAsync("/api/v1/evals", new StringContent(string.Join('\n', evalLines), Encoding.UTF8, "application/x-ndjson"));
            Assert.Equal(HttpStatusCode.OK, e.StatusCode);
        }

        using var response = await server.Client.PostAsync("/api/v1/calls", new StringContent(string.Join('\n', part.Select(Native)), Encoding.UTF8, "application/x-ndjson"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await server.Service<DetectionService>().CatchUpAsync();
    }

    private static string Native(CallRecord c) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["id"] = c.Id,
        ["timestamp"] = c.Timestamp.ToString("O"),
        ["tenant"] = c.Tenant,
        ["user"] = c.User,
        ["feature"] = c.Feature,
        ["operation"] = c.Operation,
        ["provider"] = c.Provider,
        ["model"] = c.Model,
        ["model_version"] = c.ModelVersion,
        ["region"] = c.Region,
        ["prompt_version"] = c.PromptVersion,
        ["trace_id"] = c.TraceId,
        ["latency_ms"] = c.LatencyMs,
        ["ttft_ms"] = c.TtftMs,
        ["input_tokens"] = c.InputTokens,
        ["output_tokens"] = c.OutputTokens,
        ["cost_usd"] = c.CostUsd,
        ["status"] = c.Status == CallStatus.Error ? "error" : "ok",
        ["error_type"] = c.ErrorType,
    });

    internal sealed record ServedAlert(string Id, string Signal, string State, DateTimeOffset FiredAt, DateTimeOffset? ResolvedAt);

    private static List<string> Describe(IEnumerable<ServedAlert> alerts) =>
        [.. alerts.Select(a => $"{a.Id} {a.Signal} {a.State} fired {a.FiredAt:O} resolved {a.ResolvedAt:O}").Order(StringComparer.Ordinal)];
}

/// <summary>
/// The same history on a shared PostgreSQL, where detection runs as leased partitions of series: restarted in the
/// middle, each partition rebuilt from its own persisted cursor, it raises exactly the alerts of one uninterrupted
/// engine over SQLite.
/// </summary>
public sealed class PartitionedRestartDeterminismTests(Quell.Tests.Storage.PostgresStorageFixture postgres) : IClassFixture<Quell.Tests.Storage.PostgresStorageFixture>
{
    [Fact]
    public async Task Serve_OnPostgresPartitioned_RestartWhileAlertFiring_RaisesTheAlertsOfOneUninterruptedEngine()
    {
        var (calls, evals, restartAt) = RestartDeterminismTests.Scenario();
        var uninterrupted = await RestartDeterminismTests.RunAsync(calls, evals, restartAfterCall: null);
        var partitioned = await RestartDeterminismTests.RunAsync(calls, evals, restartAfterCall: restartAt, postgres: postgres.NewSchema());
        RestartDeterminismTests.AssertSame(uninterrupted, partitioned);
    }
}
