using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;

namespace Quell.Tests.Storage;

/// <summary>Incidents, timelines, silences and the notification outbox, the same tests over every storage provider.</summary>
public abstract class IncidentStoreContractTests(StorageFixture fixture)
{
    internal static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    internal static Incident NewIncident(string id, string category = "quality", DateTimeOffset? at = null) => new()
    {
        Id = id, Title = "t", Category = category, GroupKey = $"{category}:support_chat", DetectedAt = at ?? T0, LastSignalAt = at ?? T0, UpdatedAt = at ?? T0,
    };

    internal static Notification Note(string id, string incident, string channel, NotificationAction action, DateTimeOffset at) =>
        new(id, incident, channel, new NotificationMessage { IncidentId = incident, Action = action, Severity = Severity.S2, State = IncidentState.Detected, Title = "t", Text = action.ToString(), At = at }, at);

    private static TimelineEntry Entry(string incident, string message, DateTimeOffset at) => new(incident, at, TimelineKinds.Delivery, "quell", message);

    [Fact]
    public async Task Apply_CreateThenUpdate_StoresIncidentTimelineAndOutboxInOrder()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var store = storage.Incidents;
        await store.ApplyAsync([new IncidentChange(NewIncident("inc-a"), true, [new TimelineEntry("inc-a", T0, TimelineKinds.Detected, "quell", "opened") { Data = new Dictionary<string, string> { ["alert"] = "al-1" } }], [Note("n1", "inc-a", "log", NotificationAction.Trigger, T0)])]);
        await store.ApplyAsync([new IncidentChange(NewIncident("inc-a") with { State = IncidentState.Acknowledged, Severity = Severity.S1, UpdatedAt = T0.AddMinutes(1) }, false, [new TimelineEntry("inc-a", T0.AddMinutes(1), TimelineKinds.Transition, "ana", "acknowledged")], [])]);
        await store.ApplyAsync([new IncidentChange(NewIncident("inc-b", "cost", T0.AddMinutes(5)), true, [], [])]);

        var a = (await store.GetAsync("inc-a"))!;
        Assert.Equal((IncidentState.Acknowledged, Severity.S1), (a.State, a.Severity));
        var timeline = await store.TimelineAsync("inc-a");
        Assert.Equal(["opened", "acknowledged"], timeline.Select(e => e.Message).ToList());
        Assert.Equal("al-1", timeline[0].Data!["alert"]);
        Assert.Equal(["inc-b", "inc-a"], (await store.ListAsync(new IncidentQuery())).Select(i => i.Id).ToList());
        Assert.Equal(["inc-a"], (await store.ListAsync(new IncidentQuery(State: IncidentState.Acknowledged))).Select(i => i.Id).ToList());
        Assert.Equal(["inc-b"], (await store.ListAsync(new IncidentQuery(Category: "cost"))).Select(i => i.Id).ToList());
        Assert.Equal(["inc-a"], (await store.ListAsync(new IncidentQuery(Severity: Severity.S1))).Select(i => i.Id).ToList());
        Assert.Equal(["inc-a", "inc-b"], (await store.OpenAsync()).Select(i => i.Id).ToList());
        Assert.Equal("n1", Assert.Single(await storage.Outbox.ForIncidentAsync("inc-a")).Notification.Id);
    }

    [Fact]
    public async Task Apply_CreatedIdAlreadyStored_RefusedAndNothingOfTheBatchStored()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var store = storage.Incidents;
        await store.ApplyAsync([new IncidentChange(NewIncident("inc-same") with { Title = "first" }, true, [new TimelineEntry("inc-same", T0, TimelineKinds.Detected, "quell", "first")], [])]);

        var ex = await Assert.ThrowsAsync<IncidentIdConflictException>(() => store.ApplyAsync(
        [
            new IncidentChange(NewIncident("inc-other"), true, [new TimelineEntry("inc-other", T0, TimelineKinds.Detected, "quell", "other")], []),
            new IncidentChange(NewIncident("inc-same") with { Title = "second" }, true, [], [Note("inc-same-n1", "inc-same", "log", NotificationAction.Trigger, T0)]),
        ]));

        Assert.Equal("inc-same", ex.IncidentId);
        Assert.Equal("first", (await store.GetAsync("inc-same"))!.Title);
        Assert.Single(await store.TimelineAsync("inc-same"));
        Assert.Null(await store.GetAsync("inc-other"));
        Assert.Empty(await storage.Outbox.ForIncidentAsync("inc-same"));
        await Assert.ThrowsAsync<IncidentIdConflictException>(() => store.ApplyAsync([new IncidentChange(NewIncident("inc-ghost"), false, [], [])]));
        Assert.Null(await store.GetAsync("inc-ghost"));
    }

    [Fact]
    public async Task Due_EarlierNotificationOfSameChannelBackingOff_LaterOneWaits()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var (store, outbox) = (storage.Incidents, storage.Outbox);
        await store.ApplyAsync([new IncidentChange(NewIncident("inc-a"), true, [], [Note("n1", "inc-a", "pagerduty", NotificationAction.Trigger, T0), Note("n2", "inc-a", "slack", NotificationAction.Trigger, T0)])]);
        var retryAt = T0.AddSeconds(30);
        await outbox.RecordAttemptAsync("n1", OutboxStatus.Pending, 1, retryAt, "HTTP 503", Entry("inc-a", "retrying", T0));
        await store.ApplyAsync([new IncidentChange(NewIncident("inc-a"), false, [], [Note("n3", "inc-a", "pagerduty", NotificationAction.Acknowledge, T0.AddSeconds(5))])]);

        var now = T0.AddSeconds(10);
        Assert.Equal(["n2"], (await outbox.DueAsync(now, 100)).Select(o => o.Notification.Id));
        await outbox.RecordAttemptAsync("n2", OutboxStatus.Delivered, 1, now, null, Entry("inc-a", "delivered", now));
        Assert.Empty(await outbox.DueAsync(now, 100));
        Assert.Equal(new OutboxBacklog(2, T0), await outbox.BacklogAsync());
        Assert.Equal(retryAt, await outbox.NextDueAsync());

        var n1 = Assert.Single(await outbox.DueAsync(retryAt, 100));
        Assert.Equal(("n1", 1, "HTTP 503"), (n1.Notification.Id, n1.Attempts, n1.LastError));
        await outbox.RecordAttemptAsync("n1", OutboxStatus.Delivered, 2, retryAt, null, Entry("inc-a", "delivered", retryAt));
        Assert.Equal(["n3"], (await outbox.DueAsync(retryAt, 100)).Select(o => o.Notification.Id));
        Assert.Equal(["n1", "n2", "n3"], (await outbox.ForIncidentAsync("inc-a")).Select(o => o.Notification.Id));
        Assert.Equal(["retrying", "delivered", "delivered"], (await store.TimelineAsync("inc-a")).Select(e => e.Message));
    }

    [Fact]
    public async Task Silences_SaveReplaceDelete()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var store = storage.Incidents;
        var silence = new Silence { Id = "s1", Matchers = [new LabelMatcher("feature", "=", "chat")], StartsAt = T0, EndsAt = T0.AddHours(1) };
        await store.SaveSilenceAsync(silence);
        await store.SaveSilenceAsync(silence with { EndsAt = T0.AddHours(2) });
        await store.SaveSilenceAsync(silence with { Id = "s0", EndsAt = T0.AddMinutes(10) });

        Assert.Equal(["s0", "s1"], (await store.SilencesAsync()).Select(s => s.Id).ToList());
        Assert.Equal(T0.AddHours(2), (await store.SilencesAsync())[1].EndsAt);
        Assert.Equal("chat", (await store.SilencesAsync())[1].Matchers[0].Value);
        Assert.True(await store.DeleteSilenceAsync("s1"));
        Assert.False(await store.DeleteSilenceAsync("s1"));
        Assert.Single(await store.SilencesAsync());
    }
}

public sealed class SqliteIncidentStoreContractTests(SqliteStorageFixture fixture) : IncidentStoreContractTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class PostgresIncidentStoreContractTests(PostgresStorageFixture fixture) : IncidentStoreContractTests(fixture), IClassFixture<PostgresStorageFixture>
{
    [Fact]
    public async Task Due_TwoInstancesAtOnce_EachNotificationClaimedByOne()
    {
        using var first = fixture.Create(TimeProvider.System);
        using var second = fixture.Reopen(first, TimeProvider.System);
        var notes = Enumerable.Range(0, 40).Select(i => Note($"n{i}", $"inc-{i}", "pagerduty", NotificationAction.Trigger, T0)).ToList();
        await first.Incidents.ApplyAsync(notes.Select(n => new IncidentChange(NewIncident(n.IncidentId), true, [], [n])).ToList());

        var both = await Task.WhenAll(first.Outbox.DueAsync(T0, 25), second.Outbox.DueAsync(T0, 25));
        var claimed = both.SelectMany(d => d.Select(o => o.Notification.Id)).ToList();

        Assert.Equal(40, claimed.Count);
        Assert.Equal(40, claimed.Distinct().Count());

        // A claim lapses after its lease, so a notification whose dispatcher died is delivered by another instance.
        Assert.Empty(await first.Outbox.DueAsync(T0.AddSeconds(1), 100));
        Assert.Equal(40, (await second.Outbox.DueAsync(T0 + Quell.Storage.Postgres.PostgresIncidentStore.DefaultClaimLease, 100)).Count);
    }
}
