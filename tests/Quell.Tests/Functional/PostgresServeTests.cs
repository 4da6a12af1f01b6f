using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Tests.Incidents;
using Quell.Tests.Notifications;
using Quell.Tests.Server;
using Quell.Tests.Storage;

namespace Quell.Tests.Functional;

/// <summary>`quell serve --postgres` as a real process: ingest and reads over HTTP, an incident paged to a real receiver, a SIGKILL and a restart through QUELL_POSTGRES.</summary>
public sealed class PostgresServeTests(PostgresStorageFixture postgres) : IClassFixture<PostgresStorageFixture>
{
    private static string Record(string id, int minute, string tenant = "acme") =>
        $$"""{"id":"{{id}}","timestamp":"2026-11-20T10:{{minute:00}}:00Z","tenant":"{{tenant}}","user":"u{{minute % 3}}","feature":"support_chat","provider":"openai","model":"gpt-4o-mini","input_tokens":1000,"output_tokens":200,"latency_ms":{{300 + minute}},"input":"question {{id}}"}""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Serve_OnPostgres_IngestsReadsPagesAndKeepsEverythingAcrossSigkill()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        var data = TempDirectory.Create();
        var config = Path.Combine(data, "quell.yaml");
        await File.WriteAllTextAsync(config, $"""
            incidents:
              grouping: {"{"} group_wait: 0s {"}"}
            channels:
              pagerduty:
                base_url: "{receiver.BaseAddress}"
                routing_key: postgres-test
            """);
        var connection = postgres.NewSchema();

        string incidentId;
        using (var server = await QuellProcess.StartAsync(data, "--config", config, "--postgres", connection))
        {
            using var http = server.CreateClient();
            var body = string.Join("\n", Enumerable.Range(0, 50).Select(i => Record($"c{i}", i, i % 5 == 0 ? "globex" : "acme")));
            var ingest = await http.PostAsync("/api/v1/calls", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
            Assert.Equal(50, (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());

            var call = await http.GetFromJsonAsync<JsonElement>("/api/v1/calls/c7");
            Assert.Equal(("acme", 1000L, 307.0), (call.GetProperty("tenant").GetString(), call.GetProperty("input_tokens").GetInt64(), call.GetProperty("latency_ms").GetDouble()));
            Assert.Equal("price_table", call.GetProperty("cost_source").GetString());
            var globex = await http.GetFromJsonAsync<JsonElement>("/api/v1/calls?tenant=globex&limit=100");
            Assert.Equal(10, globex.GetArrayLength());
            Assert.Equal("c45", globex[0].GetProperty("id").GetString());

            var alert = await http.PostAsync("/api/v1/alertmanager", Json(IncidentApiTests.AlertmanagerBody()));
            Assert.Equal(HttpStatusCode.OK, alert.StatusCode);
            incidentId = (await alert.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("incidents")[0].GetString()!;
            var page = await receiver.NextAsync(0, TimeSpan.FromSeconds(30));
            using (var doc = JsonDocument.Parse(page.Body))
            {
                Assert.Equal((incidentId, "trigger"), (doc.RootElement.GetProperty("dedup_key").GetString(), doc.RootElement.GetProperty("event_action").GetString()));
            }

            server.Kill();
        }

        // The restart names the database through the environment instead of the option.
        using (var restarted = await QuellProcess.StartAsync(data, new Dictionary<string, string> { ["QUELL_POSTGRES"] = connection }, "--config", config))
        {
            using var http = restarted.CreateClient();
            Assert.Equal("question c49", (await http.GetFromJsonAsync<JsonElement>("/api/v1/calls/c49")).GetProperty("input").GetString());
            var again = await (await http.PostAsync("/api/v1/calls", Json($"[{Record("c3", 3)},{Record("c50", 50)}]"))).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((1, 1), (again.GetProperty("accepted").GetInt32(), again.GetProperty("duplicates").GetInt32()));

            var detail = await http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incidentId}");
            Assert.Equal("infrastructure", detail.GetProperty("category").GetString());
            Assert.Contains(detail.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("kind").GetString() == "detected");
            Assert.Equal("pagerduty", detail.GetProperty("notifications")[0].GetProperty("channel").GetString());
            var ack = await http.PostAsync($"/api/v1/incidents/{incidentId}/ack", Json("""{"by":"ana"}"""));
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
            Assert.Equal("acknowledged", (await http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incidentId}")).GetProperty("state").GetString(), ignoreCase: true);
        }

        // Every page the receiver saw belongs to this incident: delivered at least once, deduplicated by key.
        Assert.All(receiver.Requests, r => Assert.Equal(incidentId, JsonDocument.Parse(r.Body).RootElement.GetProperty("dedup_key").GetString()));
    }

    [Fact]
    public async Task Serve_PostgresRefusesConnections_ExitsWithOneLineNamingTheDatabase()
    {
        // Port 1 on loopback refuses at once: the start fails with the reason instead of a stack trace.
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => QuellProcess.StartAsync(TempDirectory.Create(), "--postgres", "Host=127.0.0.1;Port=1;Username=quell;Database=quell;Timeout=5"));

        Assert.Contains("quell serve: cannot open the PostgreSQL database at postgresql://127.0.0.1:1/quell", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failure.Message, StringComparison.Ordinal);
    }
}
