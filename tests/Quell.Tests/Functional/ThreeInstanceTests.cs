using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Quell.Cluster;
using Quell.Tests.Notifications;
using Quell.Tests.Server;
using Quell.Tests.Storage;

namespace Quell.Tests.Functional;

/// <summary>
/// Three `quell serve --postgres` processes on one database, fed call traffic round-robin, one SIGKILLed while its
/// incident is open: no acknowledged call is lost, an error burst on a series the dead instance owned is still
/// detected by the instance that takes its partition over, each incident is paged once and escalation still fires.
/// </summary>
public sealed class ThreeInstanceTests(PostgresStorageFixture postgres, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<PostgresStorageFixture>
{
    private const int Partitions = 16;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    private readonly ConcurrentBag<string> _acknowledged = [];
    private int _sequence;

    [Fact]
    public async Task ThreeInstances_OneKilledDuringAnIncident_NothingLostDetectedPagedOnceAndEscalated()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        var data = TempDirectory.Create();
        var config = Path.Combine(data, "quell.yaml");
        await File.WriteAllTextAsync(config, $$"""
            incidents:
              grouping: { group_wait: 0s }
              routing:
                s1: { channels: ["webhook:ops"], page: true }
                s2: { channels: ["webhook:ops"], page: true }
                s3: { channels: ["webhook:ops"], page: true }
            on_call:
              schedules:
                primary: { layers: [ { participants: [alice] } ] }
                secondary: { layers: [ { participants: [bob] } ] }
              escalation_policies:
                default:
                  steps:
                    - { schedule: primary, delay: 10s }
                    - { schedule: secondary, delay: 10m }
            channels:
              webhooks: [ { name: ops, url: "{{receiver.BaseAddress}}hook" } ]
            """);
        var connection = postgres.NewSchema();
        var servers = new List<QuellProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                servers.Add(await QuellProcess.StartAsync(TempDirectory.Create(), "--config", config, "--postgres", connection, "--lease-ttl", "3"));
            }

            var clients = servers.Select(s => s.CreateClient()).ToList();
            output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} started");

            // Every instance takes its share: 16 partitions over three live instances, at most ceil(16 / 3) each, none held twice.
            var owners = await SettledOwnersAsync(connection, servers.Select(s => s.ProcessId).ToList());
            Assert.All(servers, s => Assert.InRange(owners.Values.Count(o => o == s.ProcessId), 4, 6));
            output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} settled");

            // Normal traffic on several series through all three instances.
            string[] features = ["checkout", .. Enumerable.Range(0, 23).Select(i => $"feature-{i:00}")];
            string[] models = ["gpt-4o-mini", "gpt-4o"];
            await SendAsync(clients, Enumerable.Range(0, 960).Select(i => (features[i % features.Length], models[i / features.Length % 2], false)));

            // The first scenario: an error burst on checkout; its partition's owner is the instance that will die.
            var burst = Partition("checkout", "gpt-4o-mini");
            var victim = servers.Single(s => s.ProcessId == owners[burst]);
            await SendAsync(clients, Enumerable.Range(0, 200).Select(i => ("checkout", "gpt-4o-mini", i % 2 == 0)));
            var first = await WhileTrafficAsync(clients, features, PagedAsync(receiver, "alice", already: []));
            output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} first paged");

            // SIGKILL the owner while its incident is open and before the escalation step is due.
            victim.Kill();
            var survivors = servers.Where(s => s != victim).ToList();
            var survivingClients = survivors.Select(s => clients[servers.IndexOf(s)]).ToList();

            // The second scenario: a burst on another series the dead instance owned, sent only to the survivors; it
            // is detected once the lease lapses and a survivor rebuilds the partition from its persisted cursor.
            // With 47 candidate series and a third of the partitions on the victim, one of them is practically always its.
            var second = features.Skip(1).SelectMany(f => models.Select(m => (Feature: f, Model: m))).First(s => owners[Partition(s.Feature, s.Model)] == victim.ProcessId);
            await SendAsync(survivingClients, Enumerable.Range(0, 300).Select(i => (features[i % features.Length], "gpt-4o-mini", false)));
            await SendAsync(survivingClients, Enumerable.Range(0, 200).Select(i => (second.Feature, second.Model, i % 2 == 0)));
            var secondIncident = await WhileTrafficAsync(survivingClients, features, PagedAsync(receiver, "alice", already: [first]));
            output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} second paged");

            // Escalation of the first incident still fires (decided by a survivor) and reaches bob.
            await PagedAsync(receiver, "bob", already: [], incident: first);
            output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} escalated");

            var after = await SettledOwnersAsync(connection, survivors.Select(s => s.ProcessId).ToList());
            Assert.DoesNotContain(victim.ProcessId, after.Values);

            // No acknowledged call is lost, whichever instance acknowledged it.
            await using (var db = new NpgsqlConnection(connection))
            {
                await db.OpenAsync();
                await using var count = new NpgsqlCommand("SELECT count(*) FROM calls WHERE id = ANY(@ids)", db);
                count.Parameters.AddWithValue("ids", _acknowledged.ToArray());
                Assert.Equal((long)_acknowledged.Count, (long)(await count.ExecuteScalarAsync())!);
            }

            // Each incident opened once for its series, paged alice once (a retry after a crash may repeat a delivery
            // with the same idempotency key, at most once), and bob only by escalation of the first.
            var incidents = await survivingClients[0].GetFromJsonAsync<JsonElement>("/api/v1/incidents?limit=100");
            var ids = incidents.EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
            Assert.Equal(2, ids.Count);
            Assert.Equal(new[] { first, secondIncident }.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
            var triggers = Hooks(receiver).Where(h => h.Action == "trigger").ToList();
            foreach (var group in triggers.GroupBy(h => (h.Incident, h.Recipient)))
            {
                Assert.Single(group.Select(h => h.Id).Distinct());
                Assert.InRange(group.Count(), 1, 2);
            }

            Assert.Equal(["alice", "bob"], triggers.Where(h => h.Incident == first).Select(h => h.Recipient).Distinct().Order(StringComparer.Ordinal));
            Assert.Contains(triggers, h => h.Incident == secondIncident && h.Recipient == "alice");
            var detail = await survivingClients[1].GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{first}");
            Assert.Equal(["alice", "bob"], detail.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("user").GetString()));

            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                server.Dispose();
            }
        }
    }

    [Fact]
    public async Task Serve_LeaseTtlOutOfRange_ExitsWithOneLineNamingTheOption()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => QuellProcess.StartAsync(TempDirectory.Create(), "--lease-ttl", "0.5"));

        Assert.Contains("quell: --lease-ttl must be between 1 and 3600 seconds", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failure.Message, StringComparison.Ordinal);
    }

    // Normal traffic keeps flowing while the test waits for a page, as in production: the log's time moves on and
    // the detectors' windows close on it (instead of only on the live clock's lag).
    private async Task<T> WhileTrafficAsync<T>(IReadOnlyList<HttpClient> clients, string[] features, Task<T> until)
    {
        var n = 0;
        while (!until.IsCompleted)
        {
            await SendAsync(clients, Enumerable.Range(n, 20).Select(i => (features[i % features.Length], "gpt-4o-mini", false)));
            n += 20;
            await Task.WhenAny(until, Task.Delay(TimeSpan.FromMilliseconds(250)));
        }

        return await until;
    }

    private static int Partition(string feature, string model) => SeriesPartition.Of(feature, model, "openai", "chat", Partitions);

    private async Task SendAsync(IReadOnlyList<HttpClient> clients, IEnumerable<(string Feature, string Model, bool Error)> calls)
    {
        // Batches of 50 round-robin over the instances, each call stamped with the real time it is sent.
        var batch = 0;
        foreach (var chunk in calls.Chunk(50))
        {
            var now = DateTimeOffset.UtcNow;
            var lines = chunk.Select((c, i) =>
            {
                var id = $"call-{Interlocked.Increment(ref _sequence)}";
                return (id, JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["id"] = id,
                    ["timestamp"] = now.AddMilliseconds(i).ToString("O"),
                    ["tenant"] = $"t{i % 4}",
                    ["feature"] = c.Feature,
                    ["operation"] = "chat",
                    ["provider"] = "openai",
                    ["model"] = c.Model,
                    ["latency_ms"] = 300 + (i % 7) * 10,
                    ["input_tokens"] = 500,
                    ["output_tokens"] = 100,
                    ["status"] = c.Error ? "error" : "ok",
                    ["error_type"] = c.Error ? "content_filter" : null,
                }));
            }).ToList();
            var client = clients[batch++ % clients.Count];
            using var response = await client.PostAsync("/api/v1/calls", new StringContent(string.Join('\n', lines.Select(l => l.Item2)), Encoding.UTF8, "application/x-ndjson"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(lines.Count, body.GetProperty("accepted").GetInt32());
            foreach (var (id, _) in lines)
            {
                _acknowledged.Add(id);
            }
        }
    }

    // Owners by partition once every partition is held by one of the given instances (leases renew every TTL / 3).
    private static async Task<Dictionary<int, int>> SettledOwnersAsync(string connection, IReadOnlyList<int> pids)
    {
        using var deadline = new CancellationTokenSource(Wait);
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync(deadline.Token);
        while (true)
        {
            var owners = new Dictionary<int, int>();
            await using (var query = new NpgsqlCommand("SELECT partition, owner FROM detector_leases WHERE owner IS NOT NULL AND expires_at >= @now", db))
            {
                query.Parameters.AddWithValue("now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                await using var reader = await query.ExecuteReaderAsync(deadline.Token);
                while (await reader.ReadAsync(deadline.Token))
                {
                    owners[reader.GetInt32(0)] = int.Parse(reader.GetString(1).Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            var share = (Partitions + pids.Count - 1) / pids.Count;
            if (owners.Count == Partitions && owners.Values.All(pids.Contains) && pids.All(p => owners.Values.Count(o => o == p) <= share))
            {
                return owners;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
        }
    }

    private sealed record Hook(string Id, string Incident, string Action, string Recipient);

    private static List<Hook> Hooks(ScriptedReceiver receiver) =>
        [.. receiver.Requests.Where(r => r.Path == "/hook").Select(r =>
        {
            var e = JsonDocument.Parse(r.Body).RootElement;
            return new Hook(e.GetProperty("id").GetString()!, e.GetProperty("incident_id").GetString()!, e.GetProperty("action").GetString()!,
                e.TryGetProperty("recipient", out var who) && who.ValueKind == JsonValueKind.String ? who.GetString()! : "");
        })];

    // The incident of the first page to recipient that is not one of already (or of exactly incident).
    private static async Task<string> PagedAsync(ScriptedReceiver receiver, string recipient, IReadOnlyCollection<string> already, string? incident = null)
    {
        for (var seen = 0; ; seen++)
        {
            var request = await receiver.NextAsync(seen, Wait);
            if (request.Path != "/hook")
            {
                continue;
            }

            var e = JsonDocument.Parse(request.Body).RootElement;
            var id = e.GetProperty("incident_id").GetString()!;
            if (e.GetProperty("action").GetString() == "trigger" && e.TryGetProperty("recipient", out var who) && who.GetString() == recipient
                && !already.Contains(id) && (incident is null || incident == id))
            {
                return id;
            }
        }
    }
}
