using Quell.Configuration;
using Quell.Incidents;
using Quell.Notifications;
using Quell.Recurrence;
using Quell.Response;
using Quell.Tests.Postmortems;

namespace Quell.Tests.Recurrence;

/// <summary>The recurrence watch: inside the window a recurrence reopens and pages; after it a new incident is linked to the old.</summary>
public sealed class RecurrenceTests
{
    private static async Task<string> ResolvedIncidentAsync(FixAndLearnServer s)
    {
        var id = await s.OpenAsync(FixAndLearnServer.Signal("quality", "support_chat", "fp-eval", "eval pass rate dropped on support_chat", signal: "eval_pass_rate"));
        await s.RunAsync(id, (m, i) => m.Acknowledge(i, "alice"));
        await s.RunAsync(id, (m, i) => m.Resolve(i, "alice", "rolled back prompt v42"));
        return id;
    }

    [Fact]
    public async Task Ingest_SameSignatureWithinWindow_ReopensIncidentAndPages()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        var id = await ResolvedIncidentAsync(s);
        var pagesBefore = (await s.Server.Service<INotificationOutbox>().ForIncidentAsync(id)).Count(n => n.Notification.Message.Action == NotificationAction.Trigger);
        s.Time.Advance(TimeSpan.FromDays(3));

        var change = await s.Incidents.IngestSignalAsync(FixAndLearnServer.Signal("quality", "support_chat", "fp-eval", "eval pass rate dropped on support_chat", at: s.Time.GetUtcNow(), signal: "eval_pass_rate"));

        Assert.Equal(id, change!.Incident.Id);
        Assert.False(change.Created);
        Assert.Equal(IncidentState.Detected, change.Incident.State);
        Assert.Null(change.Incident.ResolvedAt);
        var recurrence = Assert.Single(await s.TimelineAsync(id), e => e.Kind == TimelineKinds.Recurrence);
        Assert.Equal("reopened", recurrence.Data!["outcome"]);
        Assert.Contains("14 days watch", recurrence.Message, StringComparison.Ordinal);
        var pagesAfter = (await s.Server.Service<INotificationOutbox>().ForIncidentAsync(id)).Count(n => n.Notification.Message.Action == NotificationAction.Trigger);
        Assert.True(pagesAfter > pagesBefore, $"expected a new page, had {pagesBefore} and now {pagesAfter}");
    }

    [Fact]
    public async Task Ingest_SameSignatureAfterWindow_OpensNewIncidentLinkedToOld()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        var id = await ResolvedIncidentAsync(s);
        s.Time.Advance(TimeSpan.FromDays(20));

        var change = await s.Incidents.IngestSignalAsync(FixAndLearnServer.Signal("quality", "support_chat", "fp-eval", "eval pass rate dropped on support_chat", at: s.Time.GetUtcNow(), signal: "eval_pass_rate"));

        Assert.True(change!.Created);
        Assert.NotEqual(id, change.Incident.Id);
        Assert.Equal(id, change.Incident.Related[0]);
        Assert.Equal(IncidentState.Monitoring, (await s.Incidents.GetAsync(id))!.State);
        var linked = Assert.Single(await s.TimelineAsync(change.Incident.Id), e => e.Kind == TimelineKinds.Recurrence);
        Assert.Equal("linked", linked.Data!["outcome"]);
        Assert.Contains(await s.TimelineAsync(change.Incident.Id), e => e.Kind == TimelineKinds.Page);
    }

    [Fact]
    public async Task Ingest_ClosedIncidentWithinWindow_IsLinkedNotReopened()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        var id = await ResolvedIncidentAsync(s);
        await s.RunAsync(id, (m, i) => m.Close(i, "alice"));
        s.Time.Advance(TimeSpan.FromDays(2));

        var change = await s.Incidents.IngestSignalAsync(FixAndLearnServer.Signal("quality", "support_chat", "fp-eval", "eval pass rate dropped on support_chat", at: s.Time.GetUtcNow(), signal: "eval_pass_rate"));

        Assert.True(change!.Created);
        Assert.Equal([id], change.Incident.Related);
        Assert.Equal(IncidentState.Closed, (await s.Incidents.GetAsync(id))!.State);
    }

    [Fact]
    public void Matches_SameFeatureAndSignalWithConflictingModelVersion_IsNotARecurrence()
    {
        var at = FixAndLearnServer.Start;
        var incident = new Incident
        {
            Id = "inc-1", Title = "t", Category = "quality", GroupKey = "quality:support_chat", Feature = "support_chat", DetectedAt = at, LastSignalAt = at, UpdatedAt = at,
            Labels = new Dictionary<string, string> { ["feature"] = "support_chat", ["model_version"] = "2026-05-13" },
            Alerts = [new IncidentAlert("fp-1", "a1", "quality", "eval_pass_rate", SignalState.Resolved, at, at, 1)],
        };
        var dims = new RecurrenceConfig().Dimensions;
        var signature = RecurrenceSignature.Of(incident, dims);

        var sameVersion = FixAndLearnServer.Signal("quality", "support_chat", "fp-2", "s", signal: "eval_pass_rate", labels: new Dictionary<string, string> { ["feature"] = "support_chat", ["model_version"] = "2026-05-13" });
        var otherVersion = sameVersion with { Labels = new Dictionary<string, string> { ["feature"] = "support_chat", ["model_version"] = "2026-07-01" } };
        var otherCategory = sameVersion with { Category = "latency" };

        Assert.NotNull(signature.Matches(sameVersion, dims));
        Assert.Null(signature.Matches(otherVersion, dims));
        Assert.Null(signature.Matches(otherCategory, dims));
    }
}
