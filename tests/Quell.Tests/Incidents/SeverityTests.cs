using Quell.Configuration;
using Quell.Incidents;
using Quell.Response;

namespace Quell.Tests.Incidents;

public sealed class SeverityTests
{
    private static BlastRadius Blast(int tenants, int totalTenants, long calls = 0, long totalCalls = 0) => new()
    {
        Tenants = Enumerable.Range(0, tenants).Select(i => $"t{i}").ToList(),
        TotalTenants = totalTenants,
        Calls = calls,
        TotalCalls = totalCalls,
    };

    [Theory]
    [InlineData(FeatureAudience.Internal, "quality", 90, 100, Severity.S3)]
    [InlineData(FeatureAudience.CustomerFacing, "quality", 5, 100, Severity.S2)]
    [InlineData(FeatureAudience.CustomerFacing, "latency", 19, 100, Severity.S2)]
    [InlineData(FeatureAudience.CustomerFacing, "latency", 20, 100, Severity.S1)]
    [InlineData(FeatureAudience.CustomerFacing, "data", 1, 100, Severity.S2)]
    [InlineData(FeatureAudience.CustomerFacing, "data", 2, 100, Severity.S1)]
    public void Evaluate_AudienceCategoryAndTenants_GivesSeverity(FeatureAudience audience, string category, int tenants, int total, Severity expected)
    {
        Assert.Equal(expected, new SeverityPolicy().Evaluate(audience, category, Blast(tenants, total)).Severity);
    }

    [Fact]
    public void Evaluate_TenPercentOfCalls_Widespread()
    {
        var p = new SeverityPolicy();
        Assert.Equal(Severity.S2, p.Evaluate(FeatureAudience.CustomerFacing, "latency", Blast(1, 100, 99, 1000)).Severity);
        Assert.Equal(Severity.S1, p.Evaluate(FeatureAudience.CustomerFacing, "latency", Blast(1, 100, 100, 1000)).Severity);
    }

    [Fact]
    public void Evaluate_CostWithoutBudgetBreach_S2WhateverTheBlastRadius()
    {
        var p = new SeverityPolicy();
        var wide = p.Evaluate(FeatureAudience.CustomerFacing, "cost", Blast(96, 100, 900, 1000), new Dictionary<string, string> { ["signal"] = "cost_per_call" });
        Assert.Equal(Severity.S2, wide.Severity);
        Assert.StartsWith("cost incident without a budget breach", wide.Reason, StringComparison.Ordinal);

        var breached = p.Evaluate(FeatureAudience.CustomerFacing, "cost", Blast(1, 100, 1, 1000), new Dictionary<string, string> { ["signal"] = "spend_rate" });
        Assert.Equal(Severity.S1, breached.Severity);
        Assert.StartsWith("cost incident with a breached budget (spend_rate)", breached.Reason, StringComparison.Ordinal);

        Assert.Equal(Severity.S3, p.Evaluate(FeatureAudience.Internal, "cost", Blast(96, 100), new Dictionary<string, string> { ["signal"] = "spend_rate" }).Severity);
        Assert.Equal(Severity.S3, (p with { CostSeverity = Severity.S3 }).Evaluate(FeatureAudience.CustomerFacing, "cost", Blast(96, 100)).Severity);
    }

    [Fact]
    public void Ingest_BlastRadiusGrows_SeverityRaisedAndNeverLoweredAutomatically()
    {
        var h = new IncidentHarness(new IncidentPolicy { GroupWait = TimeSpan.Zero });
        var id = h.Ingest(IncidentHarness.Signal("fp-a", affectedTenants: 3))!.Incident.Id;
        Assert.Equal(Severity.S2, h.Get(id).Severity);

        h.Time.Advance(TimeSpan.FromMinutes(2));
        var grown = h.Ingest(IncidentHarness.Signal("fp-a", affectedTenants: 25))!;
        Assert.Equal(Severity.S1, grown.Incident.Severity);
        Assert.Contains(h.Timeline(id), e => e.Kind == TimelineKinds.Severity && e.Message.Contains("S2 → S1", StringComparison.Ordinal));
        Assert.NotEmpty(grown.Notifications);

        h.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(Severity.S1, h.Ingest(IncidentHarness.Signal("fp-b", affectedTenants: 1))!.Incident.Severity);
    }

    [Fact]
    public void SetSeverity_ResponderOverride_HoldsUntilBlastRadiusGrowsFurther()
    {
        var h = new IncidentHarness(new IncidentPolicy { GroupWait = TimeSpan.Zero });
        var id = h.Ingest(IncidentHarness.Signal("fp-a", affectedTenants: 3))!.Incident.Id;
        h.Run(id, (m, i) => m.SetSeverity(i, Severity.S3, "only the internal canary tenant is really affected", "alice"));
        Assert.Equal(Severity.S3, h.Ingest(IncidentHarness.Signal("fp-a", affectedTenants: 4))!.Incident.Severity);
        Assert.Equal(Severity.S1, h.Ingest(IncidentHarness.Signal("fp-a", affectedTenants: 40))!.Incident.Severity);
    }

    [Fact]
    public void SetSeverity_WithoutReason_Refused()
    {
        var h = new IncidentHarness();
        var id = h.Ingest(IncidentHarness.Signal())!.Incident.Id;
        var result = h.Try(id, (m, i) => m.SetSeverity(i, Severity.S1, " ", "alice"));
        Assert.Equal("reason", result.Refusal!.Field);
    }
}
