using Quell.Configuration;
using Quell.Runbooks;
using Quell.Yaml;

namespace Quell.Tests.Playbook;

public sealed class RunbookCatalogTests
{
    [Fact]
    public void BuiltIn_Loaded_ExactlyTheSeedRunbooksInStepOrder()
    {
        var all = RunbookCatalog.BuiltIn;
        Assert.Equal(["quality_regression", "cost_blowup", "latency", "pii_leak", "cross_tenant_leak", "prompt_injection"], all.Select(r => r.Name));
        Assert.Equal(["eval_check", "model_version_check", "prompt_diff", "retrieval_diff", "rollback"], all[0].Steps.Select(s => s.Id));
        Assert.Equal(["top_cost_flows", "loop_check", "loop_cap", "prompt_length", "prompt_version_check", "rollback_prompt", "root_cause"], all[1].Steps.Select(s => s.Id));
        Assert.Equal(["vendor_status", "infra_health", "prompt_retrieval_check", "fallback_route", "rollback_or_scale"], all[2].Steps.Select(s => s.Id));
        Assert.Equal(["isolate_flow", "isolate_fallback", "count_affected_users", "legal_notification", "technical_fix", "tenant_isolation_audit"], all[3].Steps.Select(s => s.Id));
        Assert.Contains(all[5].Steps, s => s.Id == "harden_prompt_boundary");
    }

    [Theory]
    [InlineData("quality", "eval_pass_rate", "quality_regression")]
    [InlineData("cost", "calls_per_trace", "cost_blowup")]
    [InlineData("latency", "latency_p99", "latency")]
    [InlineData("data", "pii_leak", "pii_leak")]
    [InlineData("data", "canary_leak", "cross_tenant_leak")]
    [InlineData("data", "tenant_isolation_probe", "cross_tenant_leak")]
    [InlineData("abuse", "injection_campaign", "prompt_injection")]
    public void Select_CategoryAndSignal_AttachesTheRightRunbook(string category, string signal, string expected) =>
        Assert.Equal(expected, new RunbookCatalog().Select(category, signal)!.Name);

    [Fact]
    public void Custom_SameNameAsBuiltIn_Replaces()
    {
        var custom = new RunbookDefinition { Name = "latency", Title = "Our latency", Categories = ["latency"], Steps = [new RunbookStep { Id = "page_sre", Title = "Page SRE" }] };
        var catalog = new RunbookCatalog([custom]);
        Assert.Equal("Our latency", catalog.Select("latency", null)!.Title);
        Assert.Equal(6, catalog.All.Count);
    }

    [Fact]
    public void Validate_UnknownCheck_NamesStep()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""
            runbooks:
              - name: mine
                categories: [cost]
                steps:
                  - { id: s1, kind: check, check: crystal_ball }
            """));
        Assert.Contains("runbooks.mine.steps[0].check", ex.Message, StringComparison.Ordinal);
    }
}
