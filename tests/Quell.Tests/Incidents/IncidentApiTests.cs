using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Configuration;
using Quell.Incidents;
using Quell.Notifications;
using Quell.Server.Incidents;
using Quell.Server.Notifications;
using Quell.Tests.Notifications;
using Quell.Tests.Server;
using Quell.Yaml;

namespace Quell.Tests.Incidents;

/// <summary>The incidents API on a real server: Alertmanager in, responder commands, on-call, silences, problem+json errors.</summary>
public sealed class IncidentApiTests
{
    private static readonly QuellConfig Immediate = new() { Incidents = new IncidentsConfig { Grouping = new GroupingConfig { GroupWait = TimeSpan.Zero } } };

    internal static string AlertmanagerBody(string status = "firing", string alertname = "HighErrorRate", string fingerprint = "a1b2c3", string? extraLabels = null) => $$"""
        {"version":"4","groupKey":"{}:{alertname=\"{{alertname}}\"}","truncatedAlerts":0,"status":"{{status}}","receiver":"quell",
         "groupLabels":{"alertname":"{{alertname}}"},"commonLabels":{"alertname":"{{alertname}}"},"commonAnnotations":{},
         "externalURL":"http://alertmanager:9093",
         "alerts":[{"status":"{{status}}","labels":{"alertname":"{{alertname}}","service":"gateway","region":"eu-west-1"{{extraLabels}}},
                    "annotations":{"summary":"5xx above 5% on gateway","description":"error ratio 7.2%"},
                    "startsAt":"2026-03-02T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"{{fingerprint}}"}]}
        """;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Alertmanager_FiringAlert_OpensInfrastructureIncidentWithTimelineAndLogPage()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var response = await server.Client.PostAsync("/api/v1/alertmanager", Json(AlertmanagerBody()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = (await ReadAsync(response)).GetProperty("incidents")[0].GetString()!;

        var again = await ReadAsync(await server.Client.PostAsync("/api/v1/alertmanager", Json(AlertmanagerBody())));
        Assert.Equal(id, again.GetProperty("incidents")[0].GetString());

        var detail = await ReadAsync(await server.Client.GetAsync($"/api/v1/incidents/{id}"));
        Assert.Equal("infrastructure", detail.GetProperty("category").GetString());
        Assert.Equal("detected", detail.GetProperty("state").GetString(), ignoreCase: true);
        Assert.Equal("alertmanager", detail.GetProperty("source").GetString());
        var kinds = detail.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("detected", kinds);
        Assert.Contains("page", kinds);
        Assert.Equal("log", detail.GetProperty("notifications")[0].GetProperty("channel").GetString());

        var list = await ReadAsync(await server.Client.GetAsync("/api/v1/incidents?state=detected&category=infrastructure"));
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal(0, (await ReadAsync(await server.Client.GetAsync("/api/v1/incidents?severity=S1"))).GetArrayLength());
    }

    [Fact]
    public async Task Alertmanager_QuellCategoryLabel_UsesThatCategory()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var body = await ReadAsync(await server.Client.PostAsync("/api/v1/alertmanager", Json(AlertmanagerBody(extraLabels: ",\"quell_category\":\"cost\""))));
        var id = body.GetProperty("incidents")[0].GetString();
        Assert.Equal("cost", (await ReadAsync(await server.Client.GetAsync($"/api/v1/incidents/{id}"))).GetProperty("category").GetString());
    }

    [Fact]
    public async Task Alertmanager_WrongVersion_ProblemNamesVersion()
    {
        await using var server = await QuellTestServer.StartAsync();
        var response = await server.Client.PostAsync("/api/v1/alertmanager", Json(AlertmanagerBody().Replace("\"version\":\"4\"", "\"version\":\"3\"", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("version", (await ReadAsync(response)).GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Commands_AckNoteResolveClose_StateAndTimelineFollow()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var id = (await ReadAsync(await server.Client.PostAsync("/api/v1/alertmanager", Json(AlertmanagerBody())))).GetProperty("incidents")[0].GetString();

        var ack = await server.Client.PostAsync($"/api/v1/incidents/{id}/ack", Json("""{"by":"alice"}"""));
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal("acknowledged", (await ReadAsync(ack)).GetProperty("state").GetString(), ignoreCase: true);

        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync($"/api/v1/incidents/{id}/assign", Json("""{"commander":"alice","assignee":"bob","by":"alice"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync($"/api/v1/incidents/{id}/severity", Json("""{"severity":"S1","reason":"all regions","by":"alice"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync($"/api/v1/incidents/{id}/note", Json("""{"text":"failing over to eu-central","by":"bob"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync($"/api/v1/incidents/{id}/transition", Json("""{"to":"mitigating","by":"alice"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync($"/api/v1/incidents/{id}/resolve", Json("""{"by":"alice","note":"failover done"}"""))).StatusCode);
        var closed = await ReadAsync(await server.Client.PostAsync($"/api/v1/incidents/{id}/close", Json("""{"by":"alice"}""")));
        Assert.Equal("closed", closed.GetProperty("state").GetString(), ignoreCase: true);
        Assert.Equal("S1", closed.GetProperty("severity").GetString());
        Assert.True(closed.GetProperty("timings_seconds").GetProperty("to_resolve").GetDouble() >= 0);
        var messages = closed.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("message").GetString()!).ToList();
        Assert.Contains(messages, m => m.Contains("failing over", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("monitoring → closed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Commands_InvalidTransition_ConflictProblemNamingTo()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var id = (await ReadAsync(await server.Client.PostAsync("/api/v1/alertmanager", Json(AlertmanagerBody())))).GetProperty("incidents")[0].GetString();
        var response = await server.Client.PostAsync($"/api/v1/incidents/{id}/close", Json("""{"by":"alice"}"""));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await ReadAsync(response);
        Assert.Equal("to", problem.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Contains("detected to closed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("severity", """{"severity":"S9","reason":"x","by":"a"}""", "severity")]
    [InlineData("severity", """{"severity":"S1","by":"a"}""", "reason")]
    [InlineData("transition", """{"to":"sideways","by":"a"}""", "to")]
    [InlineData("note", """{"by":"a"}""", "text")]
    [InlineData("ack", """[1]""", "$")]
    public async Task Commands_BadBody_ProblemNamesField(string verb, string body, string field)
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var id = (await ReadAsync(await server.Client.PostAsync("/api/v1/alertmanager", Json(AlertmanagerBody())))).GetProperty("incidents")[0].GetString();
        var response = await server.Client.PostAsync($"/api/v1/incidents/{id}/{verb}", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await ReadAsync(response)).GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Show_UnknownIncident_404Problem()
    {
        await using var server = await QuellTestServer.StartAsync();
        var response = await server.Client.GetAsync("/api/v1/incidents/inc-nope");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.PostAsync("/api/v1/incidents/inc-nope/ack", Json("""{"by":"a"}"""))).StatusCode);
    }

    [Fact]
    public async Task OnCall_NoConfig_DefaultScheduleHasOnCall()
    {
        await using var server = await QuellTestServer.StartAsync();
        var body = await ReadAsync(await server.Client.GetAsync("/api/v1/oncall?at=2026-03-02T10:00:00Z"));
        Assert.Equal("default", body[0].GetProperty("schedule").GetString());
        Assert.Equal("on-call", body[0].GetProperty("user").GetString());
        var bad = await server.Client.GetAsync("/api/v1/oncall?at=yesterday");
        Assert.Equal("at", (await ReadAsync(bad)).GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Silences_CreateListDelete_AndSilencedAlertDoesNotPage()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var created = await server.Client.PostAsync("/api/v1/silences", Json("""{"matchers":["service=gateway","alertname=~High.*"],"duration":"2h","created_by":"alice","comment":"planned failover"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var silenceId = (await ReadAsync(created)).GetProperty("id").GetString();
        Assert.Equal(1, (await ReadAsync(await server.Client.GetAsync("/api/v1/silences"))).GetArrayLength());

        var id = (await ReadAsync(await server.Client.PostAsync("/api/v1/alertmanager", Json(AlertmanagerBody())))).GetProperty("incidents")[0].GetString();
        var detail = await ReadAsync(await server.Client.GetAsync($"/api/v1/incidents/{id}"));
        Assert.Equal(0, detail.GetProperty("notifications").GetArrayLength());
        Assert.Contains("planned failover", detail.GetProperty("suppressed_by").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.DeleteAsync($"/api/v1/silences/{silenceId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.DeleteAsync($"/api/v1/silences/{silenceId}")).StatusCode);

        var badRegex = await server.Client.PostAsync("/api/v1/silences", Json("""{"matchers":["service=~("],"duration":"1h"}"""));
        Assert.Equal("matchers[0]", (await ReadAsync(badRegex)).GetProperty("errors")[0].GetProperty("field").GetString());
        var noEnd = await server.Client.PostAsync("/api/v1/silences", Json("""{"matchers":["service=x"]}"""));
        Assert.Equal("ends_at", (await ReadAsync(noEnd)).GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Server_PagerDutyConfigured_AlertmanagerAlertPagesReceiverThenAckFollows()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        var config = Immediate with { Channels = new ChannelsConfig { Pagerduty = new PagerDutyChannelConfig { BaseUrl = receiver.BaseAddress.ToString(), RoutingKey = "key-1" } } };
        await using var server = await QuellTestServer.StartAsync(config);
        var id = (await ReadAsync(await server.Client.PostAsync("/api/v1/alertmanager", Json(AlertmanagerBody())))).GetProperty("incidents")[0].GetString();

        var trigger = await receiver.NextAsync(0, TimeSpan.FromSeconds(30));
        using var doc = JsonDocument.Parse(trigger.Body);
        Assert.Equal(id, doc.RootElement.GetProperty("dedup_key").GetString());
        Assert.Equal("trigger", doc.RootElement.GetProperty("event_action").GetString());

        await server.Client.PostAsync($"/api/v1/incidents/{id}/ack", Json("""{"by":"alice"}"""));
        var ack = await receiver.NextAsync(1, TimeSpan.FromSeconds(30));
        Assert.Equal("acknowledge", JsonDocument.Parse(ack.Body).RootElement.GetProperty("event_action").GetString());
    }

    [Fact]
    public async Task IncidentService_IngestSignal_ReturnsIncidentAndRecordsPage()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var service = server.Service<IncidentService>();
        var change = await service.IngestSignalAsync(IncidentHarness.Signal() with { FiredAt = DateTimeOffset.UtcNow, OnsetEstimate = null });
        Assert.NotNull(change);
        Assert.True(change.Created);
        var recording = server.Service<RecordingChannel>();
        await WaitUntilAsync(() => recording.For(change.Incident.Id).Count > 0);
        Assert.Equal("paged on-call (default) via log", recording.For(change.Incident.Id)[0]);
    }

    [Fact]
    public void ConfigLoader_FullIncidentsYaml_ResolvesSchedulesPoliciesAndChannels()
    {
        var config = ConfigLoader.Parse("""
            features:
              support_chat: { audience: customer_facing }
              batch_summaries: { audience: internal }
            incidents:
              grouping: { group_wait: 30s, group_window: 10m }
              severity_policy: { widespread_tenant_share: 0.2, widespread_call_share: 0.1 }
              routing:
                s1: { channels: [all], page: true }
                s2: { channels: [pagerduty], page: true }
                s3: { channels: [slack], page: false }
              maintenance_windows:
                - { name: db-upgrade, matchers: ["provider=openai"], starts_at: "2026-03-07T01:00:00Z", ends_at: "2026-03-07T03:00:00Z" }
            on_call:
              schedules:
                primary:
                  time_zone: Europe/Berlin
                  layers:
                    - { participants: [alice, bob], handoff_day: monday, handoff_time: "09:00", start: "2026-01-05" }
                  overrides:
                    - { user: carol, from: "2026-03-10T18:00:00Z", to: "2026-03-11T06:00:00Z" }
                secondary:
                  time_zone: America/New_York
                  layers:
                    - { participants: [dave, erin] }
              escalation_policies:
                default:
                  repeat: 2
                  steps:
                    - { schedule: primary, delay: 5m }
                    - { schedule: secondary, delay: 10m }
                    - { user: frank, name: manager, delay: 10m }
            channels:
              pagerduty: { base_url: "http://127.0.0.1:9", routing_key: abc }
              slack: { webhook_url: "http://127.0.0.1:9/slack" }
              webhooks: [ { name: ops, url: "http://127.0.0.1:9/hook", secret: s } ]
              email: { smtp_host: 127.0.0.1, port: 2525, from: quell@example.com, to: [oncall@example.com] }
            """);
        var directory = IncidentConfigResolver.OnCall(config);
        Assert.Equal("carol", directory.WhoIsOnCall("primary", DateTimeOffset.Parse("2026-03-10T20:00:00Z", System.Globalization.CultureInfo.InvariantCulture))!.User);
        Assert.Equal(3, directory.Policy(null).Steps.Count);
        var policy = IncidentConfigResolver.Policy(config);
        Assert.Equal(["pagerduty", "slack", "webhook:ops", "email"], policy.Channels);
        Assert.Equal(FeatureAudience.Internal, policy.Audience("batch_summaries"));
        Assert.Single(policy.MaintenanceWindows);
    }

    [Theory]
    [InlineData("on_call: { schedules: { p: { time_zone: Mars/Olympus, layers: [ { participants: [a] } ] } } }", "on_call.schedules.p.time_zone")]
    [InlineData("on_call: { schedules: { p: { layers: [ { participants: [a], handoff_time: '25:00' } ] } } }", "handoff_time")]
    [InlineData("on_call: { schedules: { p: { layers: [ { participants: [a] } ] } }, escalation_policies: { default: { steps: [ { schedule: nope } ] } } }", "'nope'")]
    [InlineData("incidents: { routing: { s2: { channels: [pagerduty] } } }", "incidents.routing.s2.channels")]
    [InlineData("channels: { pagerduty: { base_url: 'not a url', routing_key: k } }", "channels.pagerduty.base_url")]
    public void ConfigLoader_BadIncidentsConfig_ErrorNamesKey(string yaml, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, cts.Token);
        }
    }
}
