using Quell.Alerts;
using Quell.Calls;
using Quell.Detection;
using Quell.Scanning;

namespace Quell.Tests.Scanning;

public sealed class ContentFindingsMonitorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static CallRecord Leak(string id, DateTimeOffset at, string entity, string kind = FindingKinds.Pii, string feature = "support_chat", string tenant = "acme") => new()
    {
        Id = id,
        Timestamp = at,
        Tenant = tenant,
        User = "u-" + id,
        Feature = feature,
        Findings = [new CallFinding("output", kind, entity, 0, 10, 0.9, "***")],
    };

    [Fact]
    public void Observe_OneForeignCardNumber_FiresAtOnce()
    {
        var monitor = new ContentFindingsMonitor();
        monitor.Observe(Leak("c1", Start, Entities.CreditCard));
        var fired = Assert.Single(monitor.Drain());
        Assert.Equal(AlertEventKind.Fired, fired.Kind);
        Assert.Equal(AlertCategory.Data, fired.Alert.Category);
        Assert.Equal("pii_leak", fired.Alert.Signal);
        Assert.Equal(AlertSeverityHint.High, fired.Alert.SeverityHint);
    }

    [Theory]
    [InlineData("IBAN_CODE")]
    [InlineData("US_SSN")]
    public void Observe_OneHighRiskEntity_FiresAtOnce(string entity)
    {
        var monitor = new ContentFindingsMonitor();
        monitor.Observe(Leak("c1", Start, entity));
        Assert.Single(monitor.Drain());
    }

    [Fact]
    public void Observe_LowerRiskEmails_FireAtTheConfiguredCount()
    {
        var monitor = new ContentFindingsMonitor(new ContentAlertRules { PiiLeakCalls = 3 });
        monitor.Observe(Leak("e1", Start, Entities.Email));
        monitor.Observe(Leak("e2", Start.AddMinutes(1), Entities.Email));
        Assert.Empty(monitor.Drain());
        monitor.Observe(Leak("e3", Start.AddMinutes(2), Entities.Email));
        Assert.Single(monitor.Drain());

        var eager = new ContentFindingsMonitor(new ContentAlertRules { PiiLeakCalls = 1 });
        eager.Observe(Leak("e1", Start, Entities.Email));
        Assert.Single(eager.Drain());
    }

    [Fact]
    public void Observe_SystemPromptLeak_IsAnAbuseAlert()
    {
        var monitor = new ContentFindingsMonitor();
        monitor.Observe(Leak("s1", Start, Entities.SystemPrompt, FindingKinds.SystemPromptLeak));
        var fired = Assert.Single(monitor.Drain());
        Assert.Equal(AlertCategory.Abuse, fired.Alert.Category);
        Assert.Equal("system_prompt_leak", fired.Alert.Signal);
    }

    [Fact]
    public void Observe_LeakWhileAlertFires_ResendsTheAlertSoAClosedIncidentReopens()
    {
        var monitor = new ContentFindingsMonitor(new ContentAlertRules { RepeatAfter = TimeSpan.FromMinutes(1) });
        monitor.Observe(Leak("x1", Start, Entities.ForeignDocument, FindingKinds.CrossTenant));
        var first = Assert.Single(monitor.Drain());

        // The responder closes the incident; ten minutes later the same flow leaks again.
        monitor.Observe(Leak("x2", Start.AddMinutes(10), Entities.ForeignDocument, FindingKinds.CrossTenant, tenant: "initech"));
        var again = Assert.Single(monitor.Drain());
        Assert.Equal(AlertEventKind.Fired, again.Kind);
        Assert.Equal(first.Alert.Fingerprint, again.Alert.Fingerprint);
        Assert.Equal(2, again.Alert.Observed);
        Assert.Contains("initech", again.Alert.Labels["tenants"], StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_BurstOfLeaks_ResentAtMostOncePerPause()
    {
        var monitor = new ContentFindingsMonitor(new ContentAlertRules { RepeatAfter = TimeSpan.FromMinutes(1) });
        for (var i = 0; i < 50; i++)
        {
            monitor.Observe(Leak($"b{i}", Start.AddSeconds(i), Entities.CreditCard));
        }

        Assert.Single(monitor.Drain());
        monitor.AdvanceTo(Start.AddMinutes(2));
        var repeat = Assert.Single(monitor.Drain());
        Assert.Equal(50, repeat.Alert.Observed);
    }

    [Fact]
    public void AdvanceTo_QuietAfterLeak_ResolvesAndTheNextLeakFiresANewAlert()
    {
        var monitor = new ContentFindingsMonitor();
        monitor.Observe(Leak("k1", Start, Entities.CreditCard));
        var first = Assert.Single(monitor.Drain());
        monitor.AdvanceTo(Start.AddHours(2));
        Assert.Equal(AlertEventKind.Resolved, Assert.Single(monitor.Drain()).Kind);
        monitor.Observe(Leak("k2", Start.AddHours(3), Entities.CreditCard));
        var second = Assert.Single(monitor.Drain());
        Assert.Equal(AlertEventKind.Fired, second.Kind);
        Assert.NotEqual(first.Alert.Id, second.Alert.Id);
    }
}
