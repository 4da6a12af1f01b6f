using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Quell.Configuration;
using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;
using Quell.Server.Notifications;
using Quell.Tests.Incidents;

namespace Quell.Tests.Notifications;

/// <summary>Real HTTP receivers on loopback behind the outbox dispatcher, driven on a fake clock.</summary>
public sealed class ChannelDeliveryTests
{
    private static readonly Quell.OnCall.SeverityRouting AllChannels = new() { S2 = new Quell.OnCall.SeverityRoute { Channels = ["all"], Page = true } };

    private static (IncidentHarness Harness, NotificationDispatcher Dispatcher) Setup(string channel, INotificationSender sender, HttpClient? http = null)
    {
        var h = new IncidentHarness(new IncidentPolicy { GroupWait = TimeSpan.Zero, Channels = [channel], Routing = AllChannels });
        var dispatcher = new NotificationDispatcher(h.Store, [sender], new DeliveryPolicy(), h.Time, new Random(7));
        return (h, dispatcher);
    }

    [Fact]
    public async Task PagerDuty_429Then202_ExactlyOnePageWithOneDedupKey()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        receiver.Answer(429);
        using var http = new HttpClient();
        var (h, dispatcher) = Setup("pagerduty", new PagerDutySender(http, new PagerDutyChannelConfig { BaseUrl = receiver.BaseAddress.ToString(), RoutingKey = "R0UT1NG" }));
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;

        Assert.Equal(1, await dispatcher.DeliverDueAsync());
        var item = Assert.Single(await h.Store.ForIncidentAsync(id));
        Assert.Equal(OutboxStatus.Pending, item.Status);
        Assert.Equal(0, await dispatcher.DeliverDueAsync());

        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await dispatcher.DeliverDueAsync());
        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await dispatcher.DeliverDueAsync());

        var requests = receiver.Requests.ToList();
        Assert.Equal([429, 202], requests.Select(r => r.Status));
        Assert.All(requests, r => Assert.Equal("/v2/enqueue", r.Path));
        Assert.Single(requests, r => r.Status == 202);
        using var doc = JsonDocument.Parse(requests[1].Body);
        var root = doc.RootElement;
        Assert.Equal("R0UT1NG", root.GetProperty("routing_key").GetString());
        Assert.Equal("trigger", root.GetProperty("event_action").GetString());
        Assert.Equal(id, root.GetProperty("dedup_key").GetString());
        Assert.Equal(requests[0].Body, requests[1].Body);
        var payload = root.GetProperty("payload");
        Assert.Equal("error", payload.GetProperty("severity").GetString());
        Assert.Equal("support_chat", payload.GetProperty("component").GetString());
        Assert.Equal("quality", payload.GetProperty("class").GetString());
        Assert.Equal("prompt v12 deployed 10:02", payload.GetProperty("custom_details").GetProperty("attribution").GetString());
        Assert.True(root.GetProperty("links").GetArrayLength() > 0);

        var timeline = h.Timeline(id).Where(e => e.Kind == TimelineKinds.Delivery).Select(e => e.Message).ToList();
        Assert.Equal(2, timeline.Count);
        Assert.Contains("HTTP 429", timeline[0], StringComparison.Ordinal);
        Assert.Contains("retrying", timeline[0], StringComparison.Ordinal);
        Assert.StartsWith("delivered via pagerduty (HTTP 202", timeline[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagerDuty_400_NoPageAndFailureOnTimeline()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        receiver.DefaultStatus = 400;
        using var http = new HttpClient();
        var (h, dispatcher) = Setup("pagerduty", new PagerDutySender(http, new PagerDutyChannelConfig { BaseUrl = receiver.BaseAddress.ToString(), RoutingKey = "bad" }));
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;

        await dispatcher.DeliverDueAsync();
        h.Time.Advance(TimeSpan.FromHours(1));
        await dispatcher.DeliverDueAsync();

        Assert.Single(receiver.Requests);
        Assert.DoesNotContain(receiver.Requests, r => r.Status == 202);
        var item = Assert.Single(await h.Store.ForIncidentAsync(id));
        Assert.Equal(OutboxStatus.Failed, item.Status);
        var failure = Assert.Single(h.Timeline(id), e => e.Kind == TimelineKinds.Delivery);
        Assert.Contains("failed for good (HTTP 400", failure.Message, StringComparison.Ordinal);
        Assert.Equal("failed", failure.Data!["outcome"]);
    }

    [Fact]
    public async Task PagerDuty_AcknowledgeAndResolve_SentWithSameDedupKey()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        using var http = new HttpClient();
        var (h, dispatcher) = Setup("pagerduty", new PagerDutySender(http, new PagerDutyChannelConfig { BaseUrl = receiver.BaseAddress.ToString(), RoutingKey = "k" }));
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        h.Run(id, (m, i) => m.Acknowledge(i, "alice"));
        h.Run(id, (m, i) => m.Resolve(i, "alice", null));
        await dispatcher.DeliverDueAsync();
        var events = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(["trigger", "acknowledge", "resolve"], events.Select(e => e.GetProperty("event_action").GetString()));
        Assert.All(events, e => Assert.Equal(id, e.GetProperty("dedup_key").GetString()));
    }

    [Fact]
    public async Task PagerDuty_TriggerBackingOffWhenAcknowledged_AcknowledgeSentOnlyAfterTrigger()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        receiver.Answer(503);
        using var http = new HttpClient();
        var (h, dispatcher) = Setup("pagerduty", new PagerDutySender(http, new PagerDutyChannelConfig { BaseUrl = receiver.BaseAddress.ToString(), RoutingKey = "k" }));
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        Assert.Equal(1, await dispatcher.DeliverDueAsync());
        h.Run(id, (m, i) => m.Acknowledge(i, "alice"));

        // The acknowledge is due but waits behind the trigger's retry: PagerDuty would drop an acknowledge for an unknown alert.
        Assert.Equal(0, await dispatcher.DeliverDueAsync());
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, await dispatcher.DeliverDueAsync());
        var events = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event_action").GetString()).ToList();
        Assert.Equal(["trigger", "trigger", "acknowledge"], events);
        Assert.Equal([503, 202, 202], receiver.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task Slack_429WithRetryAfter_WaitsExactlyRetryAfterThenDeliversBlocks()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        receiver.Answer(429, retryAfterSeconds: 7);
        receiver.DefaultStatus = 200;
        using var http = new HttpClient();
        var (h, dispatcher) = Setup("slack", new SlackSender(http, new SlackChannelConfig { WebhookUrl = new Uri(receiver.BaseAddress, "/services/T/B/X").ToString() }));
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;

        await dispatcher.DeliverDueAsync();
        var item = Assert.Single(await h.Store.ForIncidentAsync(id));
        Assert.Equal(h.Time.GetUtcNow().AddSeconds(7), item.NextAttemptAt);
        h.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(0, await dispatcher.DeliverDueAsync());
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await dispatcher.DeliverDueAsync());

        var delivered = receiver.Requests.Last();
        Assert.Equal("/services/T/B/X", delivered.Path);
        using var doc = JsonDocument.Parse(delivered.Body);
        var blocks = doc.RootElement.GetProperty("blocks");
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        Assert.Contains("S2", blocks[0].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("Attribution", delivered.Body, StringComparison.Ordinal);
        Assert.Equal(OutboxStatus.Delivered, (await h.Store.ForIncidentAsync(id))[0].Status);
    }

    [Fact]
    public async Task Webhook_SignedBody_VerifiesAndCarriesIdempotencyKey()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        receiver.Answer(503);
        receiver.DefaultStatus = 200;
        using var http = new HttpClient();
        var config = new WebhookChannelConfig { Name = "ops", Url = new Uri(receiver.BaseAddress, "/hook").ToString(), Secret = "s3cret" };
        var h = new IncidentHarness(new IncidentPolicy { GroupWait = TimeSpan.Zero, Channels = ["webhook:ops"], Routing = AllChannels });
        var dispatcher = new NotificationDispatcher(h.Store, [new WebhookSender(http, config, h.Time)], new DeliveryPolicy(), h.Time, new Random(7));
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        await dispatcher.DeliverDueAsync();
        h.Time.Advance(TimeSpan.FromMinutes(1));
        await dispatcher.DeliverDueAsync();

        var requests = receiver.Requests.ToList();
        Assert.Equal([503, 200], requests.Select(r => r.Status));
        var key = requests[0].Headers[WebhookSender.IdempotencyHeader];
        Assert.Equal(key, requests[1].Headers[WebhookSender.IdempotencyHeader]);
        Assert.StartsWith(id, key, StringComparison.Ordinal);

        var last = requests[1];
        var header = last.Headers[WebhookSignature.HeaderName];
        var now = h.Time.GetUtcNow();
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(header, last.Body, "s3cret", now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(header, last.Body + " ", "s3cret", now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(header, last.Body, "other", now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Expired, WebhookSignature.Verify(header, last.Body, "s3cret", now.AddMinutes(10), TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Missing, WebhookSignature.Verify(null, last.Body, "s3cret", now, TimeSpan.FromMinutes(5)));
        using var doc = JsonDocument.Parse(last.Body);
        Assert.Equal(id, doc.RootElement.GetProperty("incident_id").GetString());
        Assert.Equal("trigger", doc.RootElement.GetProperty("action").GetString());
    }

    [Fact]
    public void WebhookSignature_KnownVector_MatchesHmacOfTimestampDotBody()
    {
        var header = WebhookSignature.Sign("key", DateTimeOffset.FromUnixTimeSeconds(1700000000), "{}");
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("key"u8.ToArray(), "1700000000.{}"u8.ToArray()));
        Assert.Equal($"t=1700000000,v1={expected}", header);
    }

    [Fact]
    public async Task Dispatcher_ReceiverDown_RetriesWithBackoffAndTimelineShowsEachAttempt()
    {
        using var http = new HttpClient();

        // Nothing listens on this port: connections are refused.
        var (h, dispatcher) = Setup("pagerduty", new PagerDutySender(http, new PagerDutyChannelConfig { BaseUrl = "http://127.0.0.1:1", RoutingKey = "k" }));
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        await dispatcher.DeliverDueAsync();
        var first = (await h.Store.ForIncidentAsync(id))[0];
        h.Time.Advance(first.NextAttemptAt - h.Time.GetUtcNow());
        await dispatcher.DeliverDueAsync();
        var second = (await h.Store.ForIncidentAsync(id))[0];
        Assert.Equal(2, second.Attempts);
        Assert.True(second.NextAttemptAt - h.Time.GetUtcNow() > first.NextAttemptAt - IncidentHarness.Start, "backoff grows");
        Assert.Equal(2, h.Timeline(id).Count(e => e.Kind == TimelineKinds.Delivery));
    }

    [Fact]
    public void DeliveryPolicy_Backoff_ExponentialWithBoundedJitterAndCap()
    {
        var p = new DeliveryPolicy();
        var random = new Random(1);
        var retry = DeliveryResult.Retry(503, "x");
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var d = p.NextDelay(retry, attempt, random)!.Value.TotalSeconds;
            var nominal = Math.Min(300, Math.Pow(2, attempt - 1));
            Assert.InRange(d, nominal * 0.8 - 0.001, Math.Min(300, nominal * 1.2) + 0.001);
        }

        Assert.Null(p.NextDelay(retry, p.MaxAttempts, random));
        Assert.Null(p.NextDelay(DeliveryResult.Failed(400, "x"), 1, random));
    }
}
