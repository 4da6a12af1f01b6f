using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Quell.Configuration;
using Quell.Tests.Incidents;
using Quell.Tests.Notifications;
using Quell.Tests.Server;

namespace Quell.Tests.Functional;

/// <summary>
/// A real Quell host on one fake clock with PagerDuty, Slack and a webhook pointed at one loopback receiver: alice is
/// the primary, bob the secondary, escalation after 5 min. The host can be stopped and started again on the same data.
/// </summary>
public sealed class PagingRig : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private PagingRig(ScriptedReceiver receiver, QuellConfig config)
    {
        Receiver = receiver;
        Config = config;
    }

    public ScriptedReceiver Receiver { get; }

    public QuellConfig Config { get; }

    public FakeTimeProvider Time { get; } = new(Start);

    public string DataDirectory { get; } = TempDirectory.Create();

    public QuellTestServer? Host { get; private set; }

    public QuellTestServer Server => Host ?? throw new InvalidOperationException("the host is not running");

    public static async Task<PagingRig> StartAsync(string groupWait = "30s")
    {
        var receiver = await ScriptedReceiver.StartAsync();
        var config = ConfigLoader.Parse($"""
            incidents:
              grouping: {"{"} group_wait: {groupWait} {"}"}
              routing:
                s1: {"{"} channels: [pagerduty, slack, "webhook:ops"], page: true {"}"}
                s2: {"{"} channels: [pagerduty, slack, "webhook:ops"], page: true {"}"}
                s3: {"{"} channels: [pagerduty, slack, "webhook:ops"], page: true {"}"}
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
              pagerduty: {"{"} base_url: "{receiver.BaseAddress}", routing_key: rk-1 {"}"}
              slack: {"{"} webhook_url: "{receiver.BaseAddress}slack" {"}"}
              webhooks: [ {"{"} name: ops, url: "{receiver.BaseAddress}hook" {"}"} ]
            """);
        var rig = new PagingRig(receiver, config);
        await rig.StartHostAsync();
        return rig;
    }

    public async Task StartHostAsync() => Host = await QuellTestServer.StartAsync(Config, Time, DataDirectory);

    public async Task StopHostAsync()
    {
        await Server.DisposeAsync();
        Host = null;
    }

    /// <summary>Posts one firing Alertmanager alert and returns the incident it opened.</summary>
    public async Task<string> FireAsync(string fingerprint = "a1b2c3", string? summary = null)
    {
        var body = IncidentApiTests.AlertmanagerBody(fingerprint: fingerprint);
        if (summary is not null)
        {
            body = body.Replace("5xx above 5% on gateway", summary, StringComparison.Ordinal);
        }

        var response = await Server.Client.PostAsync("/api/v1/alertmanager", Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("incidents")[0].GetString()!;
    }

    public async Task<JsonElement> CommandAsync(string id, string verb, string body)
    {
        // The responder named in "by" acts with a key of that name: the server takes the actor from the key.
        var by = JsonDocument.Parse(body).RootElement.TryGetProperty("by", out var b) ? b.GetString()! : "admin";
        var client = by == "admin" ? Server.Client : Server.ClientAs(by, Quell.Security.Scopes.Respond, Quell.Security.Scopes.Read);
        var response = await client.PostAsync($"/api/v1/incidents/{id}/{verb}", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{verb}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    public async Task<JsonElement> IncidentAsync(string id) =>
        JsonDocument.Parse(await Server.Client.GetStringAsync($"/api/v1/incidents/{id}")).RootElement;

    /// <summary>Moves the fake clock in one-second ticks, as the host's own clock would pass.</summary>
    public void Pass(TimeSpan span)
    {
        for (var passed = TimeSpan.Zero; passed < span; passed += TimeSpan.FromSeconds(1))
        {
            Time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>
    /// Waits until the receiver has seen <paramref name="requests"/> requests in all and the incident's outbox has
    /// <paramref name="notifications"/> rows, every one delivered and on the timeline: the state between two steps.
    /// </summary>
    public async Task SettleAsync(string id, int requests, int notifications)
    {
        if (requests > 0)
        {
            await Receiver.NextAsync(requests - 1, TimeSpan.FromSeconds(60));
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var outbox = (await IncidentAsync(id)).GetProperty("notifications").EnumerateArray().ToList();
            if (outbox.Count >= notifications && outbox.All(n => n.GetProperty("status").GetString() == "delivered"))
            {
                Assert.Equal(notifications, outbox.Count);
                Assert.Equal(requests, Receiver.Requests.Count);
                return;
            }

            await Task.Delay(10, cts.Token);
        }
    }

    /// <summary>The requests one channel received, in order, as parsed JSON.</summary>
    public IReadOnlyList<JsonElement> Received(string path) =>
        Receiver.Requests.Where(r => r.Path == path).Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();

    public static string At(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        await Receiver.DisposeAsync();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
