using Quell.Changes;
using Quell.Investigation;
using Quell.Runbooks;

namespace Quell.Tests.Playbook;

/// <summary>Runbook steps and change correlation name what carries the excess, and nothing when nothing does.</summary>
public sealed class ExcessAttributionTests
{
    private static readonly DateTimeOffset Onset = new(2026, 11, 5, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void CostExcess_BigSpenderUnchanged_FlowWhoseCostRoseRanksFirst()
    {
        var before = new[]
        {
            new FlowCost("doc_search", "acme", "claude-3-5-sonnet", 60, 0.96, 0.016),
            new FlowCost("support_chat", "globex", "gpt-4o-mini", 500, 0.50, 0.001),
        };
        var after = new[]
        {
            new FlowCost("doc_search", "acme", "claude-3-5-sonnet", 56, 0.88, 0.0157),
            new FlowCost("support_chat", "globex", "gpt-4o-mini", 400, 0.72, 0.0018),
        };

        var ranked = CostExcess.Rank(before, after, AnomalyMetric.InputTokens, 1);

        Assert.Equal("support_chat", ranked[0].Feature);
        Assert.Equal(0.72 - (400 * 0.001), ranked[0].ExcessUsd, 9);
        Assert.True(ranked[1].ExcessUsd <= 0);
    }

    [Fact]
    public void CostExcess_AgentLoop_VolumeAboveTheFlowsSpendRate()
    {
        var before = new[] { new FlowCost("research_agent", "aperture", "gpt-4o", 40, 0.40, 0.01), new FlowCost("research_agent", "acme", "gpt-4o", 40, 0.40, 0.01) };
        var after = new[] { new FlowCost("research_agent", "aperture", "gpt-4o", 400, 4.0, 0.01), new FlowCost("research_agent", "acme", "gpt-4o", 41, 0.41, 0.01) };

        var ranked = CostExcess.Rank(before, after, AnomalyMetric.Calls, 1);

        Assert.Equal("aperture", ranked[0].Tenant);
        Assert.Equal(3.6, ranked[0].ExcessUsd, 9);
    }

    [Fact]
    public void Rank_ValueEveryCallHas_NotOfferedAsACause()
    {
        // Latency rose only in eu-west; every call is operation=chat before and after.
        var slices = new List<DimensionSlice>
        {
            new("operation", "chat", 1000, 1000 * 800, 1000, (700 * 800) + (300 * 4000)),
            new("region", "us-east", 700, 700 * 800, 700, 700 * 800),
            new("region", "eu-west", 300, 300 * 800, 300, 300 * 4000),
        };
        var subject = new InvestigationSubject("latency", "latency_p95", "support_chat", Onset);

        var ranked = ChangeCorrelator.Rank(subject, slices, []);

        Assert.DoesNotContain(ranked, c => c.Dimension == "operation");
        Assert.Equal("eu-west", ranked[0].Value);
    }

    [Fact]
    public void Rank_InjectionCampaignAndAnUnrelatedRevert_NothingExplainsIt()
    {
        var revert = new ChangeEvent
        {
            Id = "chg-retrieval-index-v2-revert", Timestamp = Onset, Kind = "retrieval",
            Scope = new Dictionary<string, string> { ["feature"] = "doc_search" }, Description = "revert: switch doc_search to retrieval index v2",
        };
        var deploy = revert with { Id = "chg-deploy", Kind = "deploy", Scope = new Dictionary<string, string> { ["feature"] = "support_chat" } };
        var subject = new InvestigationSubject("abuse", "injection_campaign", "support_chat", Onset);

        var ranked = ChangeCorrelator.Rank(subject, [], [revert, deploy]);

        Assert.All(ranked, c => Assert.False(ChangeCorrelator.Explains(c), $"{c.Change?.Id} scored {c.Score}"));
    }
}
