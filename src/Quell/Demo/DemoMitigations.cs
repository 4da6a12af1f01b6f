using Quell.Mitigations;
using Quell.Simulation;

namespace Quell.Demo;

/// <summary>What the simulated on-call applies for each scenario, as the runbooks recommend.</summary>
public static class DemoMitigations
{
    /// <summary>The mitigation for a scenario, whether policy applies it at once, and null where none is needed.</summary>
    public static (MitigationRequest Request, bool Auto)? For(IScenario scenario, string incidentId, IReadOnlyDictionary<string, string> alertLabels)
    {
        MitigationRequest Make(MitigationKind kind, MitigationScope scope, MitigationParameters parameters, string reason) => new()
        {
            Kind = kind,
            Scope = scope,
            Parameters = parameters,
            Reason = reason,
            IncidentId = incidentId,
            CreatedBy = "quell-runbook",
            ExpiresIn = TimeSpan.FromDays(3),
        };

        return scenario.Name switch
        {
            "latency_spike" or "latency_spike_again" => (Make(MitigationKind.Fallback, new MitigationScope { Feature = scenario.Feature }, new MitigationParameters { FallbackModel = "claude-3-5-haiku" }, "route support_chat away from the slow openai region"), false),
            "error_burst" => (Make(MitigationKind.Fallback, new MitigationScope { Feature = scenario.Feature }, new MitigationParameters { FallbackModel = "gpt-4o" }, "route doc_search away from the failing provider"), false),
            "cost_creep" => (Make(MitigationKind.Rollback, new MitigationScope { Feature = scenario.Feature }, new MitigationParameters { PromptVersion = "support-v7" }, "roll support_chat back to prompt support-v7"), false),
            "agent_loop" => (Make(MitigationKind.LoopCap, new MitigationScope { Feature = scenario.Feature }, new MitigationParameters { MaxCallsPerTrace = Simulation.Scenarios.AgentLoopScenario.NormalMaxCalls }, "cap research_agent runs at their normal maximum of 8 calls"), true),
            "quality_regression" => (Make(MitigationKind.Rollback, new MitigationScope { Feature = scenario.Feature }, new MitigationParameters { Model = "gpt-4o-mini-2024-07-18" }, "pin support_chat to the previous model version"), false),
            "pii_leak" => (Make(MitigationKind.Fallback, new MitigationScope { Feature = scenario.Feature }, new MitigationParameters { CannedAnswer = "I can't look that up right now; a support agent will follow up by e-mail." }, "answer support_chat from a safe canned reply while memory leaks"), false),
            "cross_tenant_leak" => (Make(MitigationKind.Disable, new MitigationScope { Feature = scenario.Feature }, new MitigationParameters(), "kill switch on doc_search until the tenant filter is back"), false),
            "injection_campaign" => (Make(MitigationKind.Block, new MitigationScope { Feature = scenario.Feature, Tenant = alertLabels.GetValueOrDefault("tenant"), Users = Users(alertLabels) }, new MitigationParameters(), "block the users sending the injections; the rest of the tenant keeps being served"), false),
            "isolation_probe_failure" => (Make(MitigationKind.Disable, new MitigationScope { Feature = scenario.Feature }, new MitigationParameters(), "kill switch on doc_search while its answer cache serves other tenants' documents"), false),
            "quality_drift" => (Make(MitigationKind.Fallback, new MitigationScope { Feature = scenario.Feature }, new MitigationParameters { FallbackModel = "gpt-4o" }, "route summarizer to a model whose evals are healthy while its model drifts"), false),
            _ => null,
        };
    }

    private static IReadOnlyList<string>? Users(IReadOnlyDictionary<string, string> labels) =>
        labels.GetValueOrDefault("users") is { Length: > 0 } users ? users.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
}
