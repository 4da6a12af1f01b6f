using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Server.Detection;
using Quell.Tests.Incidents;
using Quell.Tests.Notifications;
using Quell.Tests.Server;

namespace Quell.Tests.Functional;

/// <summary>/metrics of a running host after real traffic, a page, a refused page, an escalation and a mitigation.</summary>
public sealed class MetricsScrapeTests
{
    private static string Call(string id) =>
        $$"""{"id":"{{id}}","timestamp":"2026-03-02T09:59:00Z","tenant":"acme","user":"u1","feature":"support_chat","provider":"openai","model":"gpt-4o-mini","input_tokens":1000,"output_tokens":200}""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Scrape_AfterTrafficPagesAndEscalation_ShowsWhatAnSreAlertsOn()
    {
        await using var ok = await ScriptedReceiver.StartAsync();
        await using var broken = await ScriptedReceiver.StartAsync();
        broken.DefaultStatus = 400;
        var config = ConfigLoader.Parse($"""
            incidents:
              grouping: {"{"} group_wait: 0s {"}"}
              routing:
                s2: {"{"} channels: [pagerduty, slack, "webhook:broken"], page: true {"}"}
            on_call:
              schedules:
                primary: {"{"} layers: [ {"{"} participants: [alice] {"}"} ] {"}"}
                secondary: {"{"} layers: [ {"{"} participants: [bob] {"}"} ] {"}"}
              escalation_policies:
                default:
                  steps:
                    - {"{"} schedule: primary, delay: 5m {"}"}
                    - {"{"} schedule: secondary, delay: 10m {"}"}
            channels:
              pagerduty: {"{"} base_url: "{ok.BaseAddress}", routing_key: rk {"}"}
              slack: {"{"} webhook_url: "{ok.BaseAddress}slack" {"}"}
              webhooks: [ {"{"} name: broken, url: "{broken.BaseAddress}hook" {"}"} ]
            """);
        var time = new FakeTimeProvider(PagingRig.Start);
        await using var server = await QuellTestServer.StartAsync(config, time);

        var calls = await server.Client.PostAsync("/api/v1/calls", Json($"[{Call("m1")},{Call("m2")},{Call("m3")}]"));
        Assert.Equal(HttpStatusCode.OK, calls.StatusCode);
        var fired = await server.Client.PostAsync("/api/v1/alertmanager", Json(IncidentApiTests.AlertmanagerBody()));
        var id = JsonDocument.Parse(await fired.Content.ReadAsStringAsync()).RootElement.GetProperty("incidents")[0].GetString()!;
        await SettledAsync(server, id, 3);
        for (var s = 0; s < 300; s++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await SettledAsync(server, id, 6);
        var mitigation = await server.Client.PostAsJsonAsync("/api/v1/mitigations", new { kind = "disable", scope = new { feature = "support_chat" }, reason = "bad answers", incident_id = id, mode = "apply" });
        Assert.True(mitigation.IsSuccessStatusCode, await mitigation.Content.ReadAsStringAsync());
        await server.Service<DetectionService>().CatchUpAsync();

        var m = await PrometheusText.ScrapeAsync(server.Client);
        Assert.Equal(3, m.Value("quell_calls_accepted_total", ("source", "native")));
        Assert.Equal(3, m.Value("quell_calls_written_total"));
        Assert.Equal(1, m.Value("quell_incidents_opened_total", ("category", "infrastructure"), ("severity", "S2")));
        Assert.Equal(2, m.Value("quell_notifications_delivered_total", ("channel", "pagerduty"), ("action", "trigger")));
        Assert.Equal(2, m.Value("quell_notifications_delivered_total", ("channel", "slack"), ("action", "trigger")));
        Assert.Equal(0, m.Value("quell_notifications_delivered_total", ("channel", "webhook:broken")));
        Assert.Equal(2, m.Value("quell_notifications_failed_total", ("channel", "webhook:broken"), ("action", "trigger")));
        Assert.Equal(1, m.Value("quell_escalations_total", ("policy", "default"), ("outcome", "paged")));
        Assert.Equal(0, m.Value("quell_outbox_pending"));
        Assert.Equal(0, m.Value("quell_outbox_oldest_pending_age_seconds"));
        Assert.Equal(1, m.Value("quell_mitigations_active", ("kind", "disable")));
        Assert.Equal(0, m.Value("quell_mitigations_active", ("kind", "rollback")));
        Assert.Equal(m.Value("quell_calls_stored_sequence"), m.Value("quell_detection_seen_sequence"));
        Assert.Equal(0, m.Value("quell_detection_lag_calls"));
        Assert.Equal(0, m.Value("quell_detection_lag_seconds"));
        Assert.Equal(3, m.Value("quell_detection_calls_observed_total"));
        Assert.True(m.Has("quell_build_info", ("version", "1.0.0")), m.Text);
        Assert.Equal(1, m.Value("http_server_request_duration_seconds_count", ("http_route", "/api/v1/calls/"), ("http_response_status_code", "200")));
        Assert.Equal(1, m.Value("http_server_request_duration_seconds_count", ("http_route", "/api/v1/alertmanager/"), ("http_response_status_code", "200")));
        Assert.True(m.Has("kestrel_active_connections"), m.Text);
        Assert.True(m.Value("quell_ingest_write_seconds_count") >= 1);
    }

    [Fact]
    public async Task Scrape_TwoHostsInOneProcess_EachShowsOnlyItsOwnFigures()
    {
        await using var a = await QuellTestServer.StartAsync();
        await using var b = await QuellTestServer.StartAsync();
        await a.Client.PostAsync("/api/v1/calls", Json($"[{Call("only-a")}]".Replace("2026-03-02T09:59:00Z", DateTimeOffset.UtcNow.ToString("O"), StringComparison.Ordinal)));

        var ma = await PrometheusText.ScrapeAsync(a.Client);
        var mb = await PrometheusText.ScrapeAsync(b.Client);
        Assert.Equal(1, ma.Value("quell_calls_accepted_total", ("source", "native")));
        Assert.Equal(0, mb.Value("quell_calls_accepted_total", ("source", "native")));
        Assert.False(mb.Has("http_server_request_duration_seconds_count", ("http_route", "/api/v1/calls")), mb.Text);
        Assert.Single(mb.Text.Split('\n'), l => l.StartsWith("quell_build_info", StringComparison.Ordinal));
    }

    [Fact]
    public void DetectionLag_DetectorsBehindTheLog_IsTheGapBetweenNewestStoredAndNewestSeen()
    {
        var metrics = new IngestMetrics();
        var t = PagingRig.Start;
        metrics.Stored(10, t.AddSeconds(90));
        metrics.Seen(4, t.AddSeconds(30));
        Assert.Equal(60, metrics.DetectionLagSeconds);
        metrics.Seen(10, t.AddSeconds(90));
        Assert.Equal(0, metrics.DetectionLagSeconds);
    }

    private static async Task SettledAsync(QuellTestServer server, string id, int notifications)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var outbox = JsonDocument.Parse(await server.Client.GetStringAsync($"/api/v1/incidents/{id}", cts.Token)).RootElement.GetProperty("notifications").EnumerateArray().ToList();
            if (outbox.Count == notifications && outbox.All(n => n.GetProperty("status").GetString() != "pending"))
            {
                return;
            }

            await Task.Delay(10, cts.Token);
        }
    }
}
