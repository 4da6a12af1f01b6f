using Quell.Incidents;
using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;
using Quell.Tests.Incidents;

namespace Quell.Tests.OnCall;

public sealed class EscalationTests
{
    private static OnCallDirectory Directory(int repeat = 1) => new()
    {
        Schedules = new Dictionary<string, OnCallSchedule>
        {
            ["primary"] = new() { Name = "primary", Layers = [new RotationLayer { Participants = ["alice"] }] },
            ["secondary"] = new() { Name = "secondary", Layers = [new RotationLayer { Participants = ["bob"] }] },
        },
        Policies = new Dictionary<string, EscalationPolicy>
        {
            ["default"] = new()
            {
                Name = "default",
                Repeat = repeat,
                Steps =
                [
                    new EscalationStep { Targets = [EscalationTarget.ForSchedule("primary")], Delay = TimeSpan.FromMinutes(5) },
                    new EscalationStep { Targets = [EscalationTarget.ForSchedule("secondary")], Delay = TimeSpan.FromMinutes(10) },
                    new EscalationStep { Targets = [EscalationTarget.ForUser("carol")], Delay = TimeSpan.FromMinutes(10), Name = "manager" },
                ],
            },
        },
    };

    private static IncidentHarness Harness(int repeat = 1) => new(new IncidentPolicy { GroupWait = TimeSpan.Zero }, Directory(repeat));

    [Fact]
    public void Tick_PrimaryNeverAcknowledges_SecondaryAfterFiveMinutesThenManagerThenRepeat()
    {
        var h = Harness(repeat: 1);
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        Assert.Equal(["alice@log"], h.Pages());

        h.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(["alice@log"], h.Pages());
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["alice@log", "bob@log"], h.Pages());

        h.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(["alice@log", "bob@log", "carol@log"], h.Pages());

        // Repeat once: the whole policy runs a second time, then stops.
        h.Advance(TimeSpan.FromMinutes(10 + 5 + 10 + 10 + 60));
        Assert.Equal(["alice@log", "bob@log", "carol@log", "alice@log", "bob@log", "carol@log"], h.Pages());
        Assert.Contains(h.Timeline(id), e => e.Message.Contains("escalated to bob (secondary)", StringComparison.Ordinal) && e.Message.Contains("after 5 min", StringComparison.Ordinal));
        Assert.Contains(h.Timeline(id), e => e.Message.Contains("exhausted", StringComparison.Ordinal));
    }

    [Fact]
    public void Tick_EscalationStepsStampedAtDueTime_EvenWhenTheClockJumps()
    {
        var h = Harness(repeat: 0);
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        h.Time.Advance(TimeSpan.FromHours(2));
        h.Tick();
        var escalations = h.Timeline(id).Where(e => e.Kind == TimelineKinds.Escalation && e.Data is not null).ToList();
        Assert.Equal([IncidentHarness.Start.AddMinutes(5), IncidentHarness.Start.AddMinutes(15)], escalations.Select(e => e.At));
    }

    [Fact]
    public void Acknowledge_AfterSecondaryPaged_StopsEscalation()
    {
        var h = Harness();
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        h.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(["alice@log", "bob@log"], h.Pages());

        h.Run(id, (m, i) => m.Acknowledge(i, "bob"));
        h.Advance(TimeSpan.FromHours(3), TimeSpan.FromMinutes(1));
        Assert.Equal(["alice@log", "bob@log"], h.Pages());
        var incident = h.Get(id);
        Assert.Equal(IncidentState.Acknowledged, incident.State);
        Assert.Equal("bob", incident.Commander);
        Assert.Equal(TimeSpan.FromMinutes(6), incident.Timings.ToAcknowledge);
    }

    [Fact]
    public void Resolve_AfterEscalation_NotifiesEveryonePaged()
    {
        var h = Harness();
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        h.Advance(TimeSpan.FromMinutes(16));
        h.Run(id, (m, i) => m.Acknowledge(i, "carol"));
        var change = h.Run(id, (m, i) => m.Resolve(i, "carol", "rolled back prompt v12"));
        var resolved = change.Notifications.Where(n => n.Message.Action == NotificationAction.Resolve).Select(n => n.Message.Recipient).ToList();
        Assert.Equal(["alice", "bob", "carol"], resolved);
    }

    [Fact]
    public void Ingest_S3Incident_NotifiesChatWithoutPaging()
    {
        var policy = new IncidentPolicy { GroupWait = TimeSpan.Zero, Audience = _ => Quell.Incidents.FeatureAudience.Internal, Channels = ["pagerduty", "slack"] };
        var h = new IncidentHarness(policy, Directory());
        var change = h.Ingest(IncidentHarness.Signal())!;
        Assert.Equal(Severity.S3, change.Incident.Severity);
        Assert.Equal(["slack"], change.Notifications.Select(n => n.Channel));
        Assert.Null(change.Notifications[0].Message.Recipient);
        h.Advance(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        Assert.Empty(h.Pages());
    }

    [Fact]
    public void Ingest_S1Incident_PagesOnEveryConfiguredChannelAtOnce()
    {
        var policy = new IncidentPolicy { GroupWait = TimeSpan.Zero, Channels = ["pagerduty", "slack", "webhook:ops", "email"] };
        var h = new IncidentHarness(policy, Directory());
        var change = h.Ingest(IncidentHarness.Signal(affectedTenants: 30, totalTenants: 100))!;
        Assert.Equal(Severity.S1, change.Incident.Severity);
        Assert.Equal(["alice@pagerduty", "alice@slack", "alice@webhook:ops", "alice@email"], h.Pages());
    }

    [Fact]
    public void Ingest_S2IncidentWithPagerDuty_PagesPrimaryViaPagerDutyOnly()
    {
        var policy = new IncidentPolicy { GroupWait = TimeSpan.Zero, Channels = ["pagerduty", "slack"] };
        var h = new IncidentHarness(policy, Directory());
        Assert.Equal(Severity.S2, h.Ingest(IncidentHarness.Signal())!.Incident.Severity);
        Assert.Equal(["alice@pagerduty"], h.Pages());
    }
}
