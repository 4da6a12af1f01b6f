using System.Text.Json;
using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;
using Quell.Server.Incidents;

namespace Quell.Tests.Functional;

/// <summary>
/// The whole paging loop on a running host: Alertmanager in, group wait, page, escalation, reassign, acknowledge and
/// resolve out to PagerDuty, Slack and a webhook on loopback, with the clock of the whole host advanced by the test.
/// </summary>
public sealed class IncidentLoopTests
{
    private const string PagerDuty = "/v2/enqueue";
    private const string Slack = "/slack";
    private const string Hook = "/hook";

    [Fact]
    public async Task Host_FullLoop_EachNotificationOnceOnEveryChannelInOrder()
    {
        await using var rig = await PagingRig.StartAsync();
        var id = await rig.FireAsync();
        var paged = PagingRig.Start.AddSeconds(30);
        var escalated = paged.AddMinutes(5);

        // Inside the group wait nothing is sent; at its end alice is paged on all three channels, once.
        rig.Pass(TimeSpan.FromSeconds(30));
        await rig.SettleAsync(id, requests: 3, notifications: 3);

        // A minute of ticks later there is still exactly one page; at 5 min bob is paged, exactly then.
        rig.Pass(TimeSpan.FromMinutes(5));
        await rig.SettleAsync(id, requests: 6, notifications: 6);
        Assert.Equal(escalated, rig.Time.GetUtcNow());

        await rig.CommandAsync(id, "assign", """{"assignee":"bob","by":"alice"}""");
        await rig.SettleAsync(id, requests: 9, notifications: 9);
        await rig.CommandAsync(id, "ack", """{"by":"bob"}""");
        await rig.SettleAsync(id, requests: 12, notifications: 12);

        // After the acknowledgement the rest of the policy never fires, however long the host runs.
        rig.Pass(TimeSpan.FromMinutes(20));
        var resolved = rig.Time.GetUtcNow();
        await rig.CommandAsync(id, "resolve", """{"by":"bob","note":"rolled back"}""");
        await rig.SettleAsync(id, requests: 15, notifications: 15);

        var pd = rig.Received(PagerDuty);
        Assert.Equal(["trigger", "trigger", "trigger", "acknowledge", "resolve"], pd.Select(e => e.GetProperty("event_action").GetString()));
        Assert.All(pd, e => Assert.Equal(id, e.GetProperty("dedup_key").GetString()));
        Assert.All(pd, e => Assert.Equal("rk-1", e.GetProperty("routing_key").GetString()));
        Assert.Equal(["paged alice (primary) via pagerduty, slack, webhook:ops", "escalated to bob (secondary) via pagerduty, slack, webhook:ops after 5 min: not acknowledged", "reassigned by alice: commander -, assignee bob"],
            pd.Take(3).Select(e => e.GetProperty("payload").GetProperty("custom_details").GetProperty("note").GetString()));

        var slack = rig.Received(Slack).Select(e => e.GetProperty("text").GetString()!).ToList();
        Assert.Equal(5, slack.Count);
        Assert.StartsWith("S", slack[0], StringComparison.Ordinal);
        Assert.EndsWith("— paged alice (primary) via pagerduty, slack, webhook:ops", slack[0], StringComparison.Ordinal);
        Assert.EndsWith("— escalated to bob (secondary) via pagerduty, slack, webhook:ops after 5 min: not acknowledged", slack[1], StringComparison.Ordinal);
        Assert.StartsWith("Updated: ", slack[2], StringComparison.Ordinal);
        Assert.StartsWith("Acknowledged: ", slack[3], StringComparison.Ordinal);
        Assert.EndsWith("— acknowledged by bob", slack[3], StringComparison.Ordinal);
        Assert.StartsWith("Resolved: ", slack[4], StringComparison.Ordinal);
        Assert.EndsWith("— resolved by bob; notifying alice, bob who were paged", slack[4], StringComparison.Ordinal);

        var hook = rig.Received(Hook);
        Assert.Equal(["trigger", "trigger", "update", "acknowledge", "resolve"], hook.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(["alice", "bob"], hook.Take(2).Select(e => e.GetProperty("recipient").GetString()));
        Assert.Equal([paged, escalated], hook.Take(2).Select(e => e.GetProperty("at").GetDateTimeOffset()));
        Assert.Equal(hook.Select(e => e.GetProperty("id").GetString()).Distinct().Count(), hook.Count);

        var incident = await rig.IncidentAsync(id);
        Assert.Equal(["alice", "bob"], incident.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("user").GetString()));
        Assert.Equal(["pagerduty", "slack", "webhook:ops"], incident.GetProperty("notified_channels").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(paged, incident.GetProperty("pages")[0].GetProperty("at").GetDateTimeOffset());
        Assert.Equal(escalated, incident.GetProperty("pages")[1].GetProperty("at").GetDateTimeOffset());

        // Resolution also drafts a post-mortem (its own entry, written beside the deliveries); the paging story is the rest.
        var timeline = Timeline(incident).Where(t => t.What != "postmortem").ToList();
        Assert.Single(Timeline(incident), t => t.What == "postmortem");
        string[] delivered = ["delivery pagerduty", "delivery slack", "delivery webhook:ops"];
        Assert.Equal(
            [
                "detected", "page", .. delivered, "escalation", .. delivered, "assignment", "notification", .. delivered,
                "transition", "notification", .. delivered, "transition", "notification", .. delivered,
            ],
            timeline.Select(t => t.What));
        Assert.Equal(PagingRig.Start, timeline[0].At);
        Assert.All(timeline.Skip(1).Take(4), t => Assert.Equal(paged, t.At));
        Assert.All(timeline.Skip(5).Take(4), t => Assert.Equal(escalated, t.At));
        Assert.All(timeline.TakeLast(5), t => Assert.Equal(resolved, t.At));
    }

    [Fact]
    public async Task Host_RestartedMidEscalation_StepFiresOnceAndAckReachesEveryChannel()
    {
        await using var rig = await PagingRig.StartAsync(groupWait: "0s");
        var id = await rig.FireAsync();
        await rig.SettleAsync(id, requests: 3, notifications: 3);

        // Two minutes into the five-minute wait the host goes away and comes back on the same data.
        rig.Pass(TimeSpan.FromMinutes(2));
        await rig.StopHostAsync();
        await rig.StartHostAsync();
        rig.Pass(TimeSpan.FromMinutes(3));
        await rig.SettleAsync(id, requests: 6, notifications: 6);

        await rig.CommandAsync(id, "ack", """{"by":"bob"}""");
        await rig.SettleAsync(id, requests: 9, notifications: 9);
        rig.Pass(TimeSpan.FromMinutes(15));
        await rig.CommandAsync(id, "note", """{"text":"waiting for the vendor","by":"bob"}""");
        await rig.SettleAsync(id, requests: 9, notifications: 9);

        Assert.Equal(["trigger", "trigger", "acknowledge"], rig.Received("/v2/enqueue").Select(e => e.GetProperty("event_action").GetString()));
        Assert.Equal(["trigger", "trigger", "acknowledge"], rig.Received("/hook").Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(["alice", "bob"], rig.Received("/hook").Take(2).Select(e => e.GetProperty("recipient").GetString()));
        Assert.Equal(PagingRig.Start.AddMinutes(5), rig.Received("/hook")[1].GetProperty("at").GetDateTimeOffset());
        var incident = await rig.IncidentAsync(id);
        Assert.Equal(["alice", "bob"], incident.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("user").GetString()));
        Assert.Single(Timeline(incident), t => t.What == "escalation");
    }

    [Fact]
    public async Task Host_AlertSummaryWithSlackMentions_SlackGetsEntitiesAndOtherChannelsTheText()
    {
        await using var rig = await PagingRig.StartAsync(groupWait: "0s");
        var id = await rig.FireAsync(summary: "<!channel> db & cache <@U0AB> down");
        await rig.SettleAsync(id, requests: 3, notifications: 3);

        var slack = rig.Receiver.Requests.Single(r => r.Path == "/slack").Body;
        Assert.DoesNotContain("<!channel>", slack, StringComparison.Ordinal);
        Assert.DoesNotContain("<@U0AB>", slack, StringComparison.Ordinal);
        Assert.Contains("&lt;!channel&gt; db &amp; cache &lt;@U0AB&gt; down", JsonDocument.Parse(slack).RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);

        // PagerDuty and webhooks carry JSON strings, shown as text by their receivers: the words arrive unchanged.
        Assert.Equal("[S2] <!channel> db & cache <@U0AB> down", rig.Received("/v2/enqueue")[0].GetProperty("payload").GetProperty("summary").GetString());
        Assert.Equal("<!channel> db & cache <@U0AB> down", rig.Received("/hook")[0].GetProperty("title").GetString());
    }

    [Fact]
    public async Task Host_TicksWithManyOpenIncidents_WriteNothingUntilSomethingIsDue()
    {
        await using var rig = await PagingRig.StartAsync(groupWait: "0s");
        var incidents = rig.Server.Service<IncidentService>();
        var signals = Enumerable.Range(0, 500).Select(n => IncidentHarnessSignal(n)).ToList();
        var opened = await incidents.IngestSignalsAsync(signals);
        Assert.Equal(500, opened.Select(c => c.Incident.Id).Distinct().Count());
        var store = rig.Server.Service<IIncidentStore>();
        async Task<int> RowsAsync()
        {
            var total = 0;
            foreach (var c in opened)
            {
                total += (await store.TimelineAsync(c.Incident.Id)).Count(e => e.Kind != TimelineKinds.Delivery);
            }

            return total;
        }

        var before = await RowsAsync();

        // Four minutes of one-second ticks: nothing is due, so nothing is written and nothing is sent again.
        for (var i = 0; i < 240; i++)
        {
            rig.Time.Advance(TimeSpan.FromSeconds(1));
            await incidents.TickAsync();
        }

        Assert.Equal(before, await RowsAsync());
        var outbox = rig.Server.Service<INotificationOutbox>();
        var notifications = 0;
        foreach (var c in opened)
        {
            notifications += (await outbox.ForIncidentAsync(c.Incident.Id)).Count;
        }

        Assert.Equal(500 * 3, notifications);

        // At five minutes every incident escalates once: one escalation row each, three notifications each.
        rig.Pass(TimeSpan.FromMinutes(1));
        await incidents.TickAsync();
        Assert.Equal(before + 500, await RowsAsync());
    }

    private static IncidentSignal IncidentHarnessSignal(int n) =>
        Quell.Tests.Incidents.IncidentHarness.Signal(fingerprint: $"fp-{n}", feature: $"feature-{n}") with { FiredAt = PagingRig.Start, OnsetEstimate = null };

    private static List<(string What, DateTimeOffset At)> Timeline(JsonElement incident) =>
        incident.GetProperty("timeline").EnumerateArray()
            .Select(e => (e.GetProperty("kind").GetString() == TimelineKinds.Delivery
                ? $"delivery {e.GetProperty("data").GetProperty("channel").GetString()}"
                : e.GetProperty("kind").GetString()!, e.GetProperty("at").GetDateTimeOffset()))
            .ToList();
}
