using System.Net;
using System.Text;
using System.Text.Json;
using Quell.Incidents;
using Quell.Response;
using Quell.Tests.Incidents;
using Quell.Tests.Server;

namespace Quell.Tests.Notifications;

/// <summary>A `quell serve` killed with SIGKILL between committing an incident and delivering its page delivers after restart.</summary>
public sealed class OutboxCrashTests
{
    [Fact]
    public async Task Serve_KilledWhilePageInFlight_PageDeliveredAfterRestart()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The first page hangs at the receiver (a slow PagerDuty) so the process dies before it learns the outcome.
        receiver.Hold(release.Task, arrived);
        var data = TempDirectory.Create();
        var config = Path.Combine(data, "quell.yaml");
        await File.WriteAllTextAsync(config, $"""
            incidents:
              grouping: {"{"} group_wait: 0s {"}"}
              delivery: {"{"} attempt_timeout: 60s {"}"}
            channels:
              pagerduty:
                base_url: "{receiver.BaseAddress}"
                routing_key: crash-test
            """);

        string incidentId;
        using (var server = await QuellProcess.StartAsync(data, "--config", config))
        {
            using var http = server.CreateClient();
            var response = await http.PostAsync("/api/v1/alertmanager", new StringContent(IncidentApiTests.AlertmanagerBody(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            incidentId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("incidents")[0].GetString()!;
            await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
            server.Kill();
        }

        release.SetResult(202);
        using (var restarted = await QuellProcess.StartAsync(data, "--config", config))
        {
            var page = await receiver.NextAsync(1, TimeSpan.FromSeconds(30));
            Assert.Equal(202, page.Status);
            using var doc = JsonDocument.Parse(page.Body);
            Assert.Equal(incidentId, doc.RootElement.GetProperty("dedup_key").GetString());
            Assert.Equal("trigger", doc.RootElement.GetProperty("event_action").GetString());

            using var http = restarted.CreateClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            JsonElement detail;
            do
            {
                await Task.Delay(50, cts.Token);
                detail = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/incidents/{incidentId}", cts.Token)).RootElement;
            }
            while (detail.GetProperty("notifications")[0].GetProperty("status").GetString() != "delivered");

            Assert.Contains(detail.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("kind").GetString() == TimelineKinds.Delivery
                && e.GetProperty("message").GetString()!.StartsWith("delivered via pagerduty", StringComparison.Ordinal));
        }

        // Every request the receiver saw is the same event for the same incident: at least once, deduplicated by key.
        Assert.All(receiver.Requests, r => Assert.Equal(incidentId, JsonDocument.Parse(r.Body).RootElement.GetProperty("dedup_key").GetString()));
    }
}
