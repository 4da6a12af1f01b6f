using System.Net;
using System.Text;
using System.Text.Json;
using Quell.Tests.Incidents;
using Quell.Tests.Notifications;
using Quell.Tests.Server;

namespace Quell.Tests.Hardening;

/// <summary>
/// `quell serve` as a child process on a SQLite data folder, on the real clock, paging real loopback receivers for
/// PagerDuty and a webhook: SIGKILLed between the two steps of an escalation policy and started again on the same
/// folder, it pages the second step exactly once.
/// </summary>
public sealed class EscalationCrashTests
{
    // Long enough that the kill lands well before it on a loaded machine; the restarted process pages when it is due.
    private const int EscalateAfterSeconds = 20;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Serve_SigkilledBetweenEscalationSteps_SecondStepPagedOnceAfterRestart()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        var data = TempDirectory.Create();
        var config = Path.Combine(TempDirectory.Create(), "quell.yaml");
        await File.WriteAllTextAsync(config, $$"""
            incidents:
              grouping: { group_wait: 0s }
              routing:
                s1: { channels: [pagerduty, "webhook:ops"], page: true }
                s2: { channels: [pagerduty, "webhook:ops"], page: true }
                s3: { channels: [pagerduty, "webhook:ops"], page: true }
            on_call:
              schedules:
                primary: { layers: [ { participants: [alice] } ] }
                secondary: { layers: [ { participants: [bob] } ] }
              escalation_policies:
                default:
                  steps:
                    - { schedule: primary, delay: {{EscalateAfterSeconds}}s }
                    - { schedule: secondary, delay: 10m }
            channels:
              pagerduty: { base_url: "{{receiver.BaseAddress}}", routing_key: rk-1 }
              webhooks: [ { name: ops, url: "{{receiver.BaseAddress}}hook" } ]
            """);

        string id;
        using (var first = await QuellProcess.StartAsync(data, "--config", config))
        {
            using var http = first.CreateClient(TimeSpan.FromSeconds(60));
            using var fired = await http.PostAsync("/api/v1/alertmanager", new StringContent(IncidentApiTests.AlertmanagerBody(fingerprint: "crash1"), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, fired.StatusCode);
            id = JsonDocument.Parse(await fired.Content.ReadAsStringAsync()).RootElement.GetProperty("incidents")[0].GetString()!;

            // The first step is delivered and recorded as delivered; then the process dies without any shutdown.
            await SettleAsync(http, receiver, id, requests: 2);
            first.Kill();
        }

        Assert.Equal(["alice"], Recipients(receiver));

        using (var second = await QuellProcess.StartAsync(data, "--config", config))
        {
            using var http = second.CreateClient(TimeSpan.FromSeconds(60));
            await SettleAsync(http, receiver, id, requests: 4);

            // Acknowledging and waiting for its notifications proves the process went on ticking past the step.
            using var ack = await http.PostAsync($"/api/v1/incidents/{id}/ack", new StringContent("""{"by":"bob"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
            await SettleAsync(http, receiver, id, requests: 6);

            Assert.Equal(["alice", "bob"], Recipients(receiver));
            Assert.Equal(["trigger", "trigger", "acknowledge"], Received(receiver, "/v2/enqueue").Select(e => e.GetProperty("event_action").GetString()));
            Assert.All(Received(receiver, "/v2/enqueue"), e => Assert.Equal(id, e.GetProperty("dedup_key").GetString()));
            Assert.Equal(["trigger", "trigger", "acknowledge"], Received(receiver, "/hook").Select(e => e.GetProperty("action").GetString()));
            var incident = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/incidents/{id}")).RootElement;
            Assert.Equal(["alice", "bob"], incident.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("user").GetString()));
        }
    }

    // Who each webhook page went to (acknowledge and resolve events name no recipient).
    private static List<string?> Recipients(ScriptedReceiver receiver) =>
        Received(receiver, "/hook").Where(e => e.TryGetProperty("recipient", out _)).Select(e => e.GetProperty("recipient").GetString()).ToList();

    private static List<JsonElement> Received(ScriptedReceiver receiver, string path) =>
        receiver.Requests.Where(r => r.Path == path).Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();

    /// <summary>Waits until the receivers saw <paramref name="requests"/> requests and the incident's outbox holds as many rows, all delivered.</summary>
    private static async Task SettleAsync(HttpClient http, ScriptedReceiver receiver, string id, int requests)
    {
        await receiver.NextAsync(requests - 1, Guard);
        using var guard = new CancellationTokenSource(Guard);
        while (true)
        {
            var outbox = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/incidents/{id}", guard.Token)).RootElement.GetProperty("notifications").EnumerateArray().ToList();
            if (outbox.Count >= requests && outbox.All(n => n.GetProperty("status").GetString() == "delivered"))
            {
                Assert.Equal(requests, outbox.Count);
                Assert.Equal(requests, receiver.Requests.Count);
                return;
            }

            await Task.Delay(20, guard.Token);
        }
    }
}
