using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;

namespace Quell.Tests.Incidents;

public sealed class GroupingTests
{
    [Fact]
    public void Ingest_SameFingerprintTwice_DedupesIntoOneAlert()
    {
        var h = new IncidentHarness();
        var first = h.Ingest(IncidentHarness.Signal("fp-a"))!;
        h.Time.Advance(TimeSpan.FromSeconds(20));
        var second = h.Ingest(IncidentHarness.Signal("fp-a"))!;
        Assert.Equal(first.Incident.Id, second.Incident.Id);
        Assert.Single(h.All());
        var alert = Assert.Single(second.Incident.Alerts);
        Assert.Equal(2, alert.Count);
    }

    [Fact]
    public void Ingest_RelatedSignalWithinGroupWindow_JoinsOpenIncident()
    {
        var h = new IncidentHarness();
        var first = h.Ingest(IncidentHarness.Signal("fp-a"))!;
        h.Time.Advance(TimeSpan.FromMinutes(9));
        var second = h.Ingest(IncidentHarness.Signal("fp-b", signal: "refusal_rate"))!;
        Assert.Equal(first.Incident.Id, second.Incident.Id);
        Assert.Equal(2, second.Incident.Alerts.Count);
        Assert.Contains(h.Timeline(first.Incident.Id), e => e.Kind == TimelineKinds.Alert && e.Message.Contains("joined", StringComparison.Ordinal));
    }

    [Fact]
    public void Ingest_RelatedSignalAfterGroupWindowOnceQuiet_OpensNewIncident()
    {
        var h = new IncidentHarness();
        var first = h.Ingest(IncidentHarness.Signal("fp-a"))!;
        h.Ingest(IncidentHarness.Signal("fp-a", state: SignalState.Resolved));
        h.Time.Advance(TimeSpan.FromMinutes(11));
        var second = h.Ingest(IncidentHarness.Signal("fp-b"))!;
        Assert.NotEqual(first.Incident.Id, second.Incident.Id);
    }

    [Fact]
    public void Ingest_RelatedSignalWhileFirstStillFiring_JoinsInsteadOfPagingAgain()
    {
        // A runaway agent loop raises one alert per trace for hours: one incident, one page.
        var h = new IncidentHarness();
        var first = h.Ingest(IncidentHarness.Signal("fp-a"))!;
        h.Time.Advance(TimeSpan.FromHours(3));
        var second = h.Ingest(IncidentHarness.Signal("fp-b"))!;
        Assert.Equal(first.Incident.Id, second.Incident.Id);
    }

    [Fact]
    public void Ingest_OtherFeatureOrCategory_OpensSeparateIncidents()
    {
        var h = new IncidentHarness();
        var a = h.Ingest(IncidentHarness.Signal("fp-a"))!;
        var b = h.Ingest(IncidentHarness.Signal("fp-b", feature: "search"))!;
        var c = h.Ingest(IncidentHarness.Signal("fp-c", category: "cost"))!;
        Assert.Equal(3, new[] { a, b, c }.Select(x => x.Incident.Id).Distinct().Count());
    }

    [Fact]
    public void Tick_GroupWaitNotElapsed_NoNotificationUntilThirtySeconds()
    {
        var h = new IncidentHarness();
        var change = h.Ingest(IncidentHarness.Signal())!;
        Assert.Empty(change.Notifications);
        h.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(h.Sent);
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["on-call@log"], h.Pages());
    }

    [Fact]
    public void Ingest_AlertResolvesWithinGroupWait_NobodyPagedAndIncidentResolved()
    {
        var h = new IncidentHarness();
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        h.Advance(TimeSpan.FromSeconds(10));
        h.Ingest(IncidentHarness.Signal(state: SignalState.Resolved));
        h.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(h.Sent);
        Assert.Equal(IncidentState.Monitoring, h.Get(id).State);
    }

    [Fact]
    public void Ingest_FlapBackWithinGroupWait_PagesOnceWhenOriginalWaitEnds()
    {
        var h = new IncidentHarness();
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        h.Advance(TimeSpan.FromSeconds(10));
        h.Ingest(IncidentHarness.Signal(state: SignalState.Resolved));
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(id, h.Ingest(IncidentHarness.Signal())!.Incident.Id);
        h.Advance(TimeSpan.FromSeconds(14));
        Assert.Empty(h.Sent);
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["on-call@log"], h.Pages());
        Assert.Single(h.All());
    }

    [Fact]
    public void Ingest_LatencyOnProviderWithOpenOutage_RecordedButNotPaged()
    {
        var h = new IncidentHarness(new IncidentPolicy { GroupWait = TimeSpan.Zero });
        var outage = h.Ingest(IncidentHarness.Signal("fp-outage", category: "infrastructure", provider: "openai", outage: true, signal: "provider_down"))!;
        var sentBefore = h.Sent.Count;
        var latency = h.Ingest(IncidentHarness.Signal("fp-lat", category: "latency", feature: "search", provider: "openai", signal: "p95_latency"))!;
        Assert.Equal(outage.Incident.Id, latency.Incident.Id);
        Assert.Empty(latency.Notifications);
        Assert.Equal(sentBefore, h.Sent.Count);
        Assert.Single(h.All());
        Assert.Contains(h.Timeline(outage.Incident.Id), e => e.Kind == TimelineKinds.Suppressed && e.Message.Contains("inhibited", StringComparison.Ordinal));

        // Another provider is not inhibited.
        var other = h.Ingest(IncidentHarness.Signal("fp-lat2", category: "latency", feature: "search", provider: "anthropic", signal: "p95_latency"))!;
        Assert.NotEqual(outage.Incident.Id, other.Incident.Id);
        Assert.NotEmpty(other.Notifications);
    }

    [Fact]
    public void Ingest_MatchingSilence_RecordsIncidentWithoutPaging()
    {
        var h = new IncidentHarness(new IncidentPolicy { GroupWait = TimeSpan.Zero });
        h.Silences.Add(Silence("feature=~\"support_.*\"", "category!=data"));
        var change = h.Ingest(IncidentHarness.Signal())!;
        Assert.True(change.Created);
        Assert.Empty(change.Notifications);
        Assert.NotNull(change.Incident.SuppressedBy);
        Assert.Contains(h.Timeline(change.Incident.Id), e => e.Kind == TimelineKinds.Suppressed);

        // The regex is anchored: "xsupport_chat" is not silenced.
        Assert.NotEmpty(h.Ingest(IncidentHarness.Signal("fp-2", feature: "xsupport_chat"))!.Notifications);
    }

    [Fact]
    public void Ingest_ExpiredSilence_Pages()
    {
        var h = new IncidentHarness(new IncidentPolicy { GroupWait = TimeSpan.Zero });
        h.Silences.Add(Silence("feature=support_chat") with { EndsAt = IncidentHarness.Start.AddMinutes(-1) });
        Assert.NotEmpty(h.Ingest(IncidentHarness.Signal())!.Notifications);
    }

    [Fact]
    public void Ingest_MaintenanceWindowFromPolicy_SuppressesPaging()
    {
        var window = Silence("feature=support_chat") with { Id = "maintenance:db", Kind = "maintenance" };
        var h = new IncidentHarness(new IncidentPolicy { GroupWait = TimeSpan.Zero, MaintenanceWindows = [window] });
        var change = h.Ingest(IncidentHarness.Signal())!;
        Assert.Empty(change.Notifications);
        Assert.Contains("maintenance", change.Incident.SuppressedBy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("feature=a", "a", true)]
    [InlineData("feature!=a", "a", false)]
    [InlineData("feature=~a|b", "b", true)]
    [InlineData("feature=~a", "ab", false)]
    [InlineData("feature!~x.*", "ab", true)]
    public void LabelMatcher_Operators_MatchAsAlertmanager(string text, string value, bool expected)
    {
        var m = LabelMatcher.TryParse(text, out var error);
        Assert.Null(error);
        Assert.Equal(expected, m!.Matches(new Dictionary<string, string> { ["feature"] = value }));
    }

    [Fact]
    public void LabelMatcher_InvalidRegex_RefusedWithMessage()
    {
        Assert.Null(LabelMatcher.TryParse("feature=~(", out var error));
        Assert.Contains("regex", error, StringComparison.Ordinal);
    }

    private static Silence Silence(params string[] matchers) => new()
    {
        Id = "s1",
        Matchers = matchers.Select(m => LabelMatcher.TryParse(m, out _)!).ToList(),
        StartsAt = IncidentHarness.Start.AddHours(-1),
        EndsAt = IncidentHarness.Start.AddHours(1),
        Comment = "deploy",
    };
}
