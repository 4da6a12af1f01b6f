using Quell.Incidents;
using Quell.Response;

namespace Quell.Tests.Incidents;

public sealed class LifecycleTests
{
    [Fact]
    public void Transition_FullPlaybook_EveryStepOnTimelineWithTimings()
    {
        var h = new IncidentHarness(new IncidentPolicy { GroupWait = TimeSpan.Zero });
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        h.Time.Advance(TimeSpan.FromMinutes(4));
        h.Run(id, (m, i) => m.Acknowledge(i, "alice"));
        h.Run(id, (m, i) => m.Transition(i, IncidentState.Mitigating, "alice", "rolling back prompt"));
        h.Time.Advance(TimeSpan.FromMinutes(10));
        h.Run(id, (m, i) => m.Transition(i, IncidentState.Investigating, "alice", null));
        h.Run(id, (m, i) => m.Assign(i, "alice", "bob", "alice"));
        h.Run(id, (m, i) => m.AddNote(i, "retrieval filter dropped tenant id", "bob"));
        h.Run(id, (m, i) => m.Transition(i, IncidentState.Fixing, "bob", null));
        h.Time.Advance(TimeSpan.FromMinutes(46));
        h.Run(id, (m, i) => m.Resolve(i, "bob", "fix deployed"));
        h.Run(id, (m, i) => m.Transition(i, IncidentState.Postmortem, "alice", null));
        h.Run(id, (m, i) => m.Close(i, "alice"));

        var incident = h.Get(id);
        Assert.Equal(IncidentState.Closed, incident.State);
        Assert.Equal(("alice", "bob"), (incident.Commander, incident.Assignee));
        Assert.Equal(TimeSpan.FromMinutes(3), incident.Timings.ToDetect);
        Assert.Equal(TimeSpan.FromMinutes(4), incident.Timings.ToAcknowledge);
        Assert.Equal(TimeSpan.FromMinutes(14), incident.Timings.ToMitigate);
        Assert.Equal(TimeSpan.FromMinutes(60), incident.Timings.ToResolve);
        var timeline = h.Timeline(id);
        Assert.Equal(7, timeline.Count(e => e.Kind == TimelineKinds.Transition));
        Assert.Contains(timeline, e => e.Kind == TimelineKinds.Note && e.Actor == "bob");
        Assert.Contains(timeline, e => e.Kind == TimelineKinds.Assignment);
    }

    [Theory]
    [InlineData(IncidentState.Detected, IncidentState.Closed)]
    [InlineData(IncidentState.Detected, IncidentState.Postmortem)]
    [InlineData(IncidentState.Fixing, IncidentState.Mitigating)]
    [InlineData(IncidentState.Monitoring, IncidentState.Detected)]
    [InlineData(IncidentState.Closed, IncidentState.Investigating)]
    [InlineData(IncidentState.Postmortem, IncidentState.Monitoring)]
    public void Refusal_InvalidMove_Explains(IncidentState from, IncidentState to)
    {
        Assert.False(string.IsNullOrEmpty(IncidentLifecycle.Refusal(from, to)));
    }

    [Theory]
    [InlineData(IncidentState.Detected, IncidentState.Monitoring)]
    [InlineData(IncidentState.Acknowledged, IncidentState.Fixing)]
    [InlineData(IncidentState.Monitoring, IncidentState.Closed)]
    [InlineData(IncidentState.Monitoring, IncidentState.Investigating)]
    [InlineData(IncidentState.Postmortem, IncidentState.Closed)]
    public void Refusal_ValidMove_Null(IncidentState from, IncidentState to)
    {
        Assert.Null(IncidentLifecycle.Refusal(from, to));
    }

    [Fact]
    public void Close_ClosedIncident_RefusedAsConflictWithMessage()
    {
        var h = new IncidentHarness();
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        h.Run(id, (m, i) => m.Resolve(i, "alice", null));
        h.Run(id, (m, i) => m.Close(i, "alice"));
        var result = h.Try(id, (m, i) => m.Close(i, "alice"));
        Assert.True(result.Refusal!.Conflict);
        Assert.Contains("closed", result.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acknowledge_DuringGroupWait_WithdrawsPendingPage()
    {
        var h = new IncidentHarness();
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        h.Run(id, (m, i) => m.Acknowledge(i, "alice"));
        h.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(h.Pages());
    }

    [Fact]
    public void Transition_WithoutActor_RefusedNamingBy()
    {
        var h = new IncidentHarness();
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        Assert.Equal("by", h.Try(id, (m, i) => m.Acknowledge(i, "")).Refusal!.Field);
    }
}
