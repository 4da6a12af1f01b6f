using Quell.Incidents;
using Quell.Recurrence;
using Quell.Response;

namespace Quell.Tests.Incidents;

/// <summary>The keyed view of open incidents alert intake uses instead of scanning them all, and the bounded similar-incident search.</summary>
public sealed class OpenIncidentIndexTests
{
    [Fact]
    public void Set_IncidentGainsAlertAndCloses_LookupsFollowEveryChange()
    {
        var h = new IncidentHarness();
        var first = h.Ingest(IncidentHarness.Signal("fp-a"))!.Incident;
        var index = OpenIncidentIndex.Of([first]);
        Assert.Same(first, Assert.Single(index.WithFingerprint("fp-a")));
        Assert.Same(first, Assert.Single(index.InGroup(first.GroupKey)));

        var joined = h.Ingest(IncidentHarness.Signal("fp-b"))!.Incident;
        index.Set(joined);
        Assert.Equal(joined.Id, first.Id);
        Assert.Same(joined, Assert.Single(index.WithFingerprint("fp-b")));
        Assert.Same(joined, Assert.Single(index.WithFingerprint("fp-a")));

        index.Set(joined with { State = IncidentState.Monitoring, ResolvedAt = IncidentHarness.Start });
        Assert.Single(index.Resolved);
        index.Set(joined with { State = IncidentState.Closed });
        Assert.Equal(0, index.Count);
        Assert.Empty(index.WithFingerprint("fp-a"));
        Assert.Empty(index.InGroup(first.GroupKey));
        Assert.Empty(index.Resolved);
    }

    [Fact]
    public void Ingest_ManyOpenIncidents_SameDecisionsAsOverTheList()
    {
        // The same signals through the list overload (a fresh index each time) and through one kept index agree.
        var viaList = new IncidentHarness();
        var viaIndex = new IncidentHarness();
        var index = new OpenIncidentIndex();
        for (var i = 0; i < 300; i++)
        {
            var signal = IncidentHarness.Signal($"fp-{i % 120}", feature: $"f-{i % 40}", provider: i % 50 == 0 ? "openai" : null, outage: i == 100);
            var a = viaList.Ingest(signal);
            var b = viaIndex.Manager.Ingest(signal, index, viaIndex.Silences);
            if (b is not null)
            {
                index.Set(b.Incident);
            }

            Assert.Equal(a?.Created, b?.Created);
            Assert.Equal(a?.Incident.GroupKey, b?.Incident.GroupKey);
            Assert.Equal(a?.Incident.Alerts.Count, b?.Incident.Alerts.Count);
        }
    }

    [Fact]
    public void Similar_FamilyLargerThanTheCandidateCut_StillFindsAnOldIncidentSharingTheFeature()
    {
        var index = new IncidentMemoryIndex();
        var now = IncidentHarness.Start;
        index.Upsert(Profile("old", "checkout", now, "p95 latency of checkout above 2 s in eu-west after vendor degradation"));
        for (var i = 0; i < IncidentMemoryIndex.CandidatesPerKey * 4; i++)
        {
            index.Upsert(Profile($"noise-{i}", $"svc-{i}", now.AddMinutes(i), $"p95 latency of svc-{i} above 2 s"));
        }

        var hits = index.Similar(Profile("new", "checkout", now.AddDays(1), "p95 latency of checkout above 2 s in eu-west after vendor degradation"), 3);

        Assert.Equal("old", hits[0].Id);
    }

    private static IncidentProfile Profile(string id, string feature, DateTimeOffset at, string text) => new()
    {
        Id = id,
        Category = "latency",
        Signal = "latency_p95",
        Scope = new Dictionary<string, string> { ["feature"] = feature },
        Text = text,
        DetectedAt = at,
    };
}
