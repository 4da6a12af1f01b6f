using Quell.Incidents;
using Quell.Mitigations;
using Quell.Postmortems;
using Quell.Response;
using Quell.Server.Postmortems;

namespace Quell.Tests.Postmortems;

/// <summary>
/// A latency incident resolved and then reopened by a recurrence 11 days later: each episode's response times come
/// from that episode's own timeline entries, and the post-mortem states each episode's facts apart.
/// </summary>
public sealed class ReopenedIncidentTests
{
    private static readonly DateTimeOffset T0 = FixAndLearnServer.Start;

    private static IncidentSignal Latency(DateTimeOffset at) =>
        FixAndLearnServer.Signal("latency", "support_chat", "fp-latency", "p95 latency of support_chat is 5,272 ms against a baseline of 1,680 ms", at: at, signal: "latency_p95") with
        {
            OnsetEstimate = at.AddMinutes(-2),
        };

    /// <summary>The mitigation is approved and the responder moves on to investigating with it in place.</summary>
    private static async Task MitigateAsync(FixAndLearnServer s, string id, string by)
    {
        var plane = s.Server.Service<MitigationControlPlane>();
        var proposed = await plane.CreateAsync(new MitigationRequest
        {
            Kind = MitigationKind.Disable, Scope = new MitigationScope { Feature = "support_chat" }, Reason = "stop the slow answers", IncidentId = id, CreatedBy = "runbook:latency",
        });
        Assert.True((await plane.ApproveAsync(proposed.Mitigation!.Id, by)).Succeeded);
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Mitigating, by, "kill switch on"));
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Investigating, by, "bleeding stopped"));
    }

    /// <summary>Episode 1: detected T0, acknowledged +4 min, mitigated +14 min, resolved +60 min. Episode 2, 11 days later: acknowledged +6 min, mitigated +15 min, resolved +40 min.</summary>
    private static async Task<(FixAndLearnServer Server, string Id, DateTimeOffset Reopened)> ReopenedAsync()
    {
        var s = await FixAndLearnServer.StartAsync();
        var id = await s.OpenAsync(Latency(T0));
        await EpisodeAsync(s, id, "alice", acknowledgeAfter: 4, mitigateAfter: 10, resolveAfter: 46, "vendor recovered");

        s.Time.Advance(TimeSpan.FromDays(11));
        var reopened = s.Time.GetUtcNow();
        var change = await s.Incidents.IngestSignalAsync(Latency(reopened));
        Assert.Equal(id, change!.Incident.Id);
        await EpisodeAsync(s, id, "bob", acknowledgeAfter: 6, mitigateAfter: 9, resolveAfter: 25, "vendor recovered again");
        return (s, id, reopened);
    }

    /// <summary>One responder acknowledges, mitigates and resolves the open episode, each step the given minutes after the one before.</summary>
    private static async Task EpisodeAsync(FixAndLearnServer s, string id, string who, int acknowledgeAfter, int mitigateAfter, int resolveAfter, string resolution)
    {
        s.Time.Advance(TimeSpan.FromMinutes(acknowledgeAfter));
        await s.RunAsync(id, (m, i) => m.Acknowledge(i, who));
        s.Time.Advance(TimeSpan.FromMinutes(mitigateAfter));
        await MitigateAsync(s, id, who);
        s.Time.Advance(TimeSpan.FromMinutes(resolveAfter));
        await s.RunAsync(id, (m, i) => m.Resolve(i, who, resolution));
    }

    [Fact]
    public async Task Timings_ReopenedIncident_CountFromTheReopening()
    {
        var (s, id, reopened) = await ReopenedAsync();
        await using var _ = s;

        var incident = (await s.Incidents.GetAsync(id))!;

        Assert.Equal(T0, incident.DetectedAt);
        Assert.Equal(reopened, incident.ReopenedAt);
        Assert.Equal(TimeSpan.FromMinutes(2), incident.Timings.ToDetect);
        Assert.Equal(TimeSpan.FromMinutes(6), incident.Timings.ToAcknowledge);
        Assert.Equal(TimeSpan.FromMinutes(15), incident.Timings.ToMitigate);
        Assert.Equal(TimeSpan.FromMinutes(40), incident.Timings.ToResolve);
    }

    [Fact]
    public async Task Episodes_ReopenedIncident_EachFromItsOwnEntries()
    {
        var (s, id, reopened) = await ReopenedAsync();
        await using var _ = s;
        var incident = (await s.Incidents.GetAsync(id))!;

        var episodes = ResponseFacts.Episodes(incident, await s.TimelineAsync(id));

        Assert.Equal(2, episodes.Count);
        Assert.Equal([1, 2], episodes.Select(e => e.Episode));
        Assert.Equal(T0, episodes[0].Detected.At);
        Assert.Equal(TimeSpan.FromMinutes(2), episodes[0].ToDetect);
        Assert.Equal(TimeSpan.FromMinutes(4), episodes[0].ToAcknowledge);
        Assert.Equal(TimeSpan.FromMinutes(14), episodes[0].ToMitigate);
        Assert.Equal(TimeSpan.FromMinutes(60), episodes[0].ToResolve);
        Assert.Equal(reopened, episodes[1].Detected.At);
        Assert.StartsWith("timeline: recurrence", episodes[1].Detected.Source, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(2), episodes[1].ToDetect);
        Assert.Equal(TimeSpan.FromMinutes(6), episodes[1].ToAcknowledge);
        Assert.Equal(TimeSpan.FromMinutes(15), episodes[1].ToMitigate);
        Assert.Equal(TimeSpan.FromMinutes(40), episodes[1].ToResolve);
        Assert.Equal(episodes[1], ResponseFacts.From(incident, await s.TimelineAsync(id)));
    }

    [Fact]
    public async Task Draft_ReopenedIncident_StatesTheFactsOfEachEpisodeApart()
    {
        var (s, id, reopened) = await ReopenedAsync();
        await using var _ = s;
        var incident = (await s.Incidents.GetAsync(id))!;

        var pm = await s.Server.Service<PostmortemService>().DraftAsync(incident);

        var facts = pm.Facts.ToDictionary(f => f.Name, f => f.Seconds);
        Assert.Equal(2 * 60, facts["time_to_detect"]);
        Assert.Equal(6 * 60, facts["time_to_acknowledge"]);
        Assert.Equal(15 * 60, facts["time_to_mitigate"]);
        Assert.Equal(40 * 60, facts["time_to_resolve"]);
        Assert.Equal(2 * 60, facts["episode_1_time_to_detect"]);
        Assert.Equal(4 * 60, facts["episode_1_time_to_acknowledge"]);
        Assert.Equal(14 * 60, facts["episode_1_time_to_mitigate"]);
        Assert.Equal(60 * 60, facts["episode_1_time_to_resolve"]);
        Assert.Equal(reopened, pm.Facts.Single(f => f.Name == "time_to_mitigate").From);
        Assert.Equal(reopened.AddMinutes(-2), pm.Impact.From);
        Assert.Equal(reopened.AddMinutes(40), pm.Impact.To);
        Assert.Contains("recurrence", pm.Facts.Single(f => f.Name == "time_to_mitigate").Source, StringComparison.Ordinal);

        Assert.Contains($"recurring from {reopened.AddMinutes(-2):yyyy-MM-dd HH:mm} UTC after it was resolved (episode 2 of 2; its impact and response times below are this episode's).", pm.Summary, StringComparison.Ordinal);
        Assert.Contains($"Episode 1: detected {T0:yyyy-MM-dd HH:mm} UTC. Stopped by disable feature=support_chat", pm.Summary, StringComparison.Ordinal);
        Assert.Contains("active 14 min after detection. Resolved 1 h after detection.", pm.Summary, StringComparison.Ordinal);
        Assert.Contains("Episode 2: Stopped by disable feature=support_chat", pm.Summary, StringComparison.Ordinal);
        Assert.EndsWith("active 15 min after detection.", pm.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("11 days", pm.Summary, StringComparison.Ordinal);
        Assert.Contains("Mitigation active 15 min after detection.", pm.WentWell);
        Assert.Contains("Acknowledged 6 min after detection.", pm.WentWell);
    }

    [Fact]
    public async Task Resolve_ReopenedIncidentAgain_DraftsANewVersionWithBothEpisodes()
    {
        var (s, id, _) = await ReopenedAsync();
        await using var _ = s;

        var latest = (await s.Server.Service<PostmortemService>().GetOrDraftAsync(id))!;

        Assert.Equal(2, latest.Version);
        Assert.Equal(15 * 60, latest.Facts.Single(f => f.Name == "time_to_mitigate").Seconds);
        Assert.Equal(14 * 60, latest.Facts.Single(f => f.Name == "episode_1_time_to_mitigate").Seconds);
    }
}
