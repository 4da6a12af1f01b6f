using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;
using Quell.Storage.Sqlite;
using Quell.Tests.Incidents;
using Quell.Tests.Server;

namespace Quell.Tests.Notifications;

/// <summary>Both incident stores (SQLite file and memory): per-channel delivery order and refusal to overwrite incidents.</summary>
public sealed class OutboxOrderTests
{
    public static TheoryData<string> Stores => ["sqlite", "memory"];

    private static IIncidentStore Create(string kind) => kind == "sqlite"
        ? new SqliteIncidentStore(new SqliteDatabase(Path.Combine(TempDirectory.Create(), "quell.db")))
        : new InMemoryIncidentStore();

    private static Incident NewIncident(string id) => new()
    {
        Id = id, Title = "t", Category = "quality", GroupKey = "quality:support_chat", DetectedAt = IncidentHarness.Start, LastSignalAt = IncidentHarness.Start, UpdatedAt = IncidentHarness.Start,
    };

    private static Notification Note(string id, string incident, string channel, NotificationAction action, DateTimeOffset at) =>
        new(id, incident, channel, new NotificationMessage { IncidentId = incident, Action = action, Severity = Severity.S2, State = IncidentState.Detected, Title = "t", Text = action.ToString(), At = at }, at);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Due_EarlierNotificationOfSameChannelBackingOff_LaterOneWaits(string kind)
    {
        var store = Create(kind);
        var outbox = (INotificationOutbox)store;
        var t0 = IncidentHarness.Start;
        await store.ApplyAsync([new IncidentChange(NewIncident("inc-a"), true, [], [Note("inc-a-n1", "inc-a", "pagerduty", NotificationAction.Trigger, t0), Note("inc-a-n2", "inc-a", "slack", NotificationAction.Trigger, t0)])]);

        // The PagerDuty trigger got a 503 and retries in 30 s; the acknowledge committed meanwhile must wait for it.
        var retryAt = t0.AddSeconds(30);
        await outbox.RecordAttemptAsync("inc-a-n1", OutboxStatus.Pending, 1, retryAt, "HTTP 503", new TimelineEntry("inc-a", t0, TimelineKinds.Delivery, "quell", "retrying"));
        await store.ApplyAsync([new IncidentChange(NewIncident("inc-a"), false, [], [Note("inc-a-n3", "inc-a", "pagerduty", NotificationAction.Acknowledge, t0.AddSeconds(5)), Note("inc-a-n4", "inc-a", "slack", NotificationAction.Acknowledge, t0.AddSeconds(5))])]);

        var now = t0.AddSeconds(10);
        Assert.Equal(["inc-a-n2"], (await outbox.DueAsync(now, 100)).Select(o => o.Notification.Id));
        await outbox.RecordAttemptAsync("inc-a-n2", OutboxStatus.Delivered, 1, now, null, new TimelineEntry("inc-a", now, TimelineKinds.Delivery, "quell", "delivered"));
        Assert.Equal(["inc-a-n4"], (await outbox.DueAsync(now, 100)).Select(o => o.Notification.Id));
        await outbox.RecordAttemptAsync("inc-a-n4", OutboxStatus.Delivered, 1, now, null, new TimelineEntry("inc-a", now, TimelineKinds.Delivery, "quell", "delivered"));
        Assert.Empty(await outbox.DueAsync(now, 100));

        // Nothing is due before the retry, so the dispatcher sleeps until then instead of spinning on the held acknowledge.
        Assert.Equal(retryAt, await outbox.NextDueAsync());
        Assert.Equal(["inc-a-n1"], (await outbox.DueAsync(retryAt, 100)).Select(o => o.Notification.Id));
        await outbox.RecordAttemptAsync("inc-a-n1", OutboxStatus.Delivered, 2, retryAt, null, new TimelineEntry("inc-a", retryAt, TimelineKinds.Delivery, "quell", "delivered"));
        Assert.Equal(["inc-a-n3"], (await outbox.DueAsync(retryAt, 100)).Select(o => o.Notification.Id));
        Assert.Equal(["inc-a-n1", "inc-a-n2", "inc-a-n3", "inc-a-n4"], (await outbox.ForIncidentAsync("inc-a")).Select(o => o.Notification.Id));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Apply_CreatedIdAlreadyStored_RefusedAndNothingOfTheBatchStored(string kind)
    {
        var store = Create(kind);
        var first = NewIncident("inc-same") with { Title = "first" };
        await store.ApplyAsync([new IncidentChange(first, true, [new TimelineEntry("inc-same", first.DetectedAt, TimelineKinds.Detected, "quell", "first")], [])]);

        var other = NewIncident("inc-other");
        var second = NewIncident("inc-same") with { Title = "second" };
        var ex = await Assert.ThrowsAsync<IncidentIdConflictException>(() => store.ApplyAsync(
        [
            new IncidentChange(other, true, [new TimelineEntry("inc-other", other.DetectedAt, TimelineKinds.Detected, "quell", "other")], []),
            new IncidentChange(second, true, [new TimelineEntry("inc-same", second.DetectedAt, TimelineKinds.Detected, "quell", "second")], [Note("inc-same-n1", "inc-same", "log", NotificationAction.Trigger, second.DetectedAt)]),
        ]));

        Assert.Equal("inc-same", ex.IncidentId);
        Assert.Equal("first", (await store.GetAsync("inc-same"))!.Title);
        Assert.Single(await store.TimelineAsync("inc-same"));
        Assert.Null(await store.GetAsync("inc-other"));
        Assert.Empty(await ((INotificationOutbox)store).ForIncidentAsync("inc-same"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Apply_UpdateOfUnknownIncident_Refused(string kind)
    {
        var store = Create(kind);
        await Assert.ThrowsAsync<IncidentIdConflictException>(() => store.ApplyAsync([new IncidentChange(NewIncident("inc-ghost"), false, [], [])]));
        Assert.Null(await store.GetAsync("inc-ghost"));

        // Created and updated in one batch is fine: the update sees the row the same transaction created.
        await store.ApplyAsync([new IncidentChange(NewIncident("inc-b"), true, [], []), new IncidentChange(NewIncident("inc-b") with { Title = "joined" }, false, [], [])]);
        Assert.Equal("joined", (await store.GetAsync("inc-b"))!.Title);
    }

    [Fact]
    public void NewIncidentId_EightThousandInOneMillisecond_AllDistinctAndSortedByTime()
    {
        var at = IncidentHarness.Start;
        var ids = Enumerable.Range(0, 8000).Select(_ => IncidentManager.NewIncidentId(at)).ToList();
        Assert.Equal(8000, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches("^inc-[0-9a-hjkmnp-tv-z]{26}$", id));
        Assert.True(string.CompareOrdinal(ids[0], IncidentManager.NewIncidentId(at.AddMilliseconds(1))) < 0);
        Assert.True(Ulid.TryParse(ids[0]["inc-".Length..], out var ulid));
        Assert.Equal(at, ulid.Time);
    }
}
