using Quell.Incidents;
using Quell.Recurrence;

namespace Quell.Tests.Recurrence;

/// <summary>
/// Similar-incident search on a labelled set: the demo simulator's ten scenario kinds, each in four variations
/// (another feature, region, provider, tenant, version or figure), phrased as the detectors phrase them. Two incidents
/// are relevant to each other when they come from the same scenario kind.
/// </summary>
public sealed class SimilarityTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Features = ["support_chat", "doc_search", "research_agent", "summarizer"];
    private static readonly string[] Regions = ["eu-west", "us-east", "ap-south", "eu-west"];
    private static readonly string[] Providers = ["openai", "anthropic", "openai", "google"];
    private static readonly string[] Models = ["gpt-4o-mini", "claude-3-5-sonnet", "gpt-4o", "gemini-1.5-pro"];
    private static readonly string[] Tenants = ["wonka", "acme", "globex", "initech"];
    private static readonly string[] LatencySignals = ["latency_p95", "latency_p99", "ttft_p95", "latency_p95"];
    private static readonly string[] Tools = ["read_page", "search_web", "read_page", "fetch_url"];
    private static readonly string[] Entities = ["PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "PHONE_NUMBER"];

    /// <summary>One incident of scenario kind <paramref name="kind"/>, variation <paramref name="v"/> (0..3).</summary>
    public static Incident Make(string kind, int v)
    {
        var f = Features[v];
        var r = Regions[v];
        var p = Providers[v];
        var m = Models[v];
        var t = Tenants[v];
        var x = 1.5 + (v * 0.7);
        return kind switch
        {
            "vendor_latency" => Inc(kind, v, "latency", LatencySignals[v], f, new() { ["model"] = m, ["provider"] = p },
                $"p95 latency of feature {f} model {m} provider {p} operation chat is {5000 + (v * 300)} against a baseline of 1600 ({x:0.0}×). p95 latency up {x:0.0}× only on region {r} (9{v} % of the excess, 7.2× its baseline).",
                $"p95 latency up {x:0.0}× only on region {r} (9{v} % of the excess, 7.2× its baseline)"),
            "error_burst" => Inc(kind, v, "latency", v % 2 == 0 ? "error_rate" : "error_budget_burn", f, new() { ["model"] = m, ["provider"] = p, ["error_type"] = "rate_limited" },
                $"error rate {20 + v} % burns the error budget {20 + v}× too fast on feature {f} model {m} provider {p} operation chat; 429 rate limited responses from {p}",
                $"error rate {20 + v} % burns the error budget; spread across all values, no single dimension value explains it"),
            "prompt_bloat" => Inc(kind, v, "cost", v % 2 == 0 ? "input_tokens_per_call" : "cost_per_call", f, new() { ["model"] = m, ["provider"] = p },
                $"input tokens per call of feature {f} model {m} provider {p} operation chat is {2000 + (v * 100)} against a baseline of 1285 ({x:0.0}×). input tokens per call up {x:0.0}× only on prompt_version {f}-v{8 + v} (99 % of the excess, a value new since the baseline).",
                $"input tokens per call up {x:0.0}× only on prompt_version {f}-v{8 + v} (99 % of the excess, a value new since the baseline)"),
            "agent_loop" => Inc(kind, v, "cost", v % 2 == 0 ? "repeated_tool_calls" : "calls_per_trace", "research_agent", new() { ["tenant"] = t, ["trace_id"] = $"trace{v}" },
                $"Possible agent loop: tool {Tools[v]} called {6 + v} times with identical arguments (limit 5). agent loop in trace trace{v} of feature research_agent for tenant {t}",
                $"agent loop in trace trace{v} of feature research_agent for tenant {t}"),
            "quality_regression" => Inc(kind, v, "quality", v % 2 == 0 ? "negative_feedback_rate" : "eval_pass_rate", Features[v % 2], new(),
                $"negative-feedback rate up from 7 % to {25 + v} % for feature {Features[v % 2]} after a model update. negative-feedback rate up only on model_version {m}-2025-0{v + 1}-31 (100 % of the excess, a value new since the baseline).",
                $"negative-feedback rate up from 7 % to {25 + v} % only on model_version {m}-2025-0{v + 1}-31 (100 % of the excess, a value new since the baseline)"),
            "quality_drift" => Inc(kind, v, "quality", "quality_drift", v % 2 == 0 ? "summarizer" : "planner", new() { ["suite"] = $"{(v % 2 == 0 ? "summarizer" : "planner")}-golden" },
                $"eval pass rate drifting 0.{4 + v} points per day (92 % → {89 - v} %) for feature {(v % 2 == 0 ? "summarizer" : "planner")} suite {(v % 2 == 0 ? "summarizer" : "planner")}-golden; slow drift over days",
                "eval pass rate drifting; spread across all values, no single dimension value explains it"),
            "pii_leak" => Inc(kind, v, "data", "pii_leak", f, new() { ["kind"] = "pii", ["tenants"] = $"{t},soylent" },
                $"pii leak in {f} outputs: {Entities[v]} ×{3 + v}; served to tenants {t}, soylent; {3 + v} users, {3 + v} calls",
                null),
            "isolation" => Inc(kind, v, "data", v % 2 == 0 ? "cross_tenant_leak" : "tenant_isolation_probe", "doc_search", new() { ["kind"] = "cross_tenant", ["owners"] = Tenants[(v + 1) % 4] },
                v % 2 == 0
                    ? $"cross tenant leak in doc_search outputs: FOREIGN_DOCUMENT ×{1 + v}; served to tenants {t}; data owned by {Tenants[(v + 1) % 4]}"
                    : $"tenant-isolation probe as {t} received data of {Tenants[(v + 1) % 4]} (canary of {Tenants[(v + 1) % 4]} at offset 45)",
                null),
            "injection" => Inc(kind, v, "abuse", "injection_campaign", Features[v % 2], new() { ["tenant"] = t, ["users"] = $"{t}-u900,{t}-u901" },
                $"{10 + v} prompt-injection attempts in 15 min from tenant {t} by users {t}-u900, {t}-u901 (baseline 0 per window)",
                null),
            "system_prompt_leak" => Inc(kind, v, "data", "system_prompt_leak", Features[v % 2], new() { ["kind"] = "system_prompt_leak", ["tenants"] = t },
                $"system prompt leak in {Features[v % 2]} outputs: SYSTEM_PROMPT ×{1 + v}; served to tenants {t}; 1 users, 1 calls",
                null),
            _ => throw new ArgumentException(kind),
        };
    }

    public static readonly string[] Kinds = ["vendor_latency", "error_burst", "prompt_bloat", "agent_loop", "quality_regression", "quality_drift", "pii_leak", "isolation", "injection", "system_prompt_leak"];

    private static Incident Inc(string kind, int v, string category, string signal, string feature, Dictionary<string, string> labels, string summary, string? attribution)
    {
        labels["feature"] = feature;
        labels["signal"] = signal;
        labels["category"] = category;
        return new Incident
        {
            Id = $"{kind}-{v}",
            Title = summary,
            Summary = summary,
            Attribution = attribution,
            Category = category,
            GroupKey = $"{category}:{feature}",
            Feature = feature,
            Labels = labels,
            DetectedAt = T0.AddDays(v),
            LastSignalAt = T0.AddDays(v),
            UpdatedAt = T0.AddDays(v),
        };
    }

    /// <summary>Precision@3 over the labelled set: each incident queried against all others.</summary>
    public static (double PrecisionAt3, int Foreign) Measure(IncidentMemoryIndex index, IReadOnlyList<Incident> all)
    {
        double sum = 0;
        var foreign = 0;
        foreach (var q in all)
        {
            var hits = index.Similar(IncidentProfile.Of(q), 3);
            var kind = q.Id[..q.Id.LastIndexOf('-')];
            var relevant = hits.Count(h => h.Id.StartsWith(kind + "-", StringComparison.Ordinal));
            foreign += hits.Count - relevant;
            sum += relevant / 3.0;
        }

        return (sum / all.Count, foreign);
    }

    [Fact]
    public void Similar_LabelledScenarioSet_PrecisionAt3AndNoUnrelatedMatch()
    {
        var all = Kinds.SelectMany(k => Enumerable.Range(0, 4).Select(v => Make(k, v))).ToList();
        var index = new IncidentMemoryIndex();
        foreach (var i in all)
        {
            index.Upsert(IncidentProfile.Of(i));
        }

        var (p3, foreign) = Measure(index, all);

        Assert.Equal(0, foreign);
        Assert.True(p3 >= 0.9, $"precision@3 {p3:0.000}");
    }

    [Fact]
    public void Similar_PromptBloatAgainstVendorSpikeAndErrorBurst_NotSimilar()
    {
        var index = new IncidentMemoryIndex();
        index.Upsert(IncidentProfile.Of(Make("vendor_latency", 0)));
        index.Upsert(IncidentProfile.Of(Make("error_burst", 1)));
        index.Upsert(IncidentProfile.Of(Make("agent_loop", 0)));

        Assert.Empty(index.Similar(IncidentProfile.Of(Make("prompt_bloat", 0)), 3));
        Assert.Empty(index.Similar(IncidentProfile.Of(Make("injection", 0)), 3));
    }

    [Fact]
    public void Similar_SameVendorRegionAgain_RankedFirstWithReasons()
    {
        var index = new IncidentMemoryIndex();
        foreach (var k in Kinds)
        {
            index.Upsert(IncidentProfile.Of(Make(k, 0)));
        }

        var again = Make("vendor_latency", 3) with { Id = "again" };
        var hit = Assert.Single(index.Similar(IncidentProfile.Of(again), 3));

        Assert.Equal("vendor_latency-0", hit.Id);
        Assert.Contains("same signal latency_p95", hit.Reasons);
        Assert.Contains(hit.Reasons, r => r.StartsWith("same scope", StringComparison.Ordinal) && r.Contains("region=eu-west", StringComparison.Ordinal));
        Assert.Contains("same cause kind (vendor change)", hit.Reasons);
    }
}
