using Quell.Calls;
using Quell.Configuration;
using Quell.Formatting;
using Quell.Incidents;
using Quell.Mitigations;
using Quell.Postmortems;
using Quell.Response;
using Quell.Server.Evals;
using Quell.Server.Postmortems;

namespace Quell.Tests.Postmortems;

/// <summary>Incidents with known timelines and calls: every figure and sentence of the drafted post-mortem is asserted.</summary>
public sealed class PostmortemDraftTests
{
    private static readonly DateTimeOffset T0 = FixAndLearnServer.Start;

    private static Task<FixAndLearnServer> StartAsync() =>
        FixAndLearnServer.StartAsync(c => c with
        {
            Postmortems = new PostmortemsConfig { CheckInterval = TimeSpan.FromDays(40) },
            ContentAlerts = new Quell.Detection.ContentAlertRules { ImmediateKinds = [], PiiLeakCalls = int.MaxValue },
        });

    private static CallRecord Call(string id, DateTimeOffset at, string prompt, int user, long input, double cost) => new()
    {
        Id = id, Timestamp = at, Tenant = $"t{user % 3}", User = $"u{user}", Feature = "support_chat", Model = "gpt-4o-mini", Provider = "openai",
        PromptVersion = prompt, InputTokens = input, OutputTokens = 100, CostUsd = cost, LatencyMs = 800,
    };

    [Fact]
    public async Task Draft_CostIncidentWithKnownTimeline_StatesEveryFactFromTheRecord()
    {
        await using var s = await StartAsync();

        // Prompt v8 from 09:48: 29 calls of 5 users in 3 tenants, $0.0003 each, until the rollback at 10:17.
        var calls = new List<CallRecord>();
        for (var k = 0; k < 29; k++)
        {
            calls.Add(Call($"v8-{k}", T0.AddMinutes(-12 + k), "support-v8", k % 5, 2000, 0.0003));
        }

        // v7 calls around it are outside the incident's scope and must not be counted.
        for (var k = 0; k < 40; k++)
        {
            calls.Add(Call($"v7-{k}", T0.AddMinutes(-30 + k), "support-v7", 10 + k, 1000, 0.0002));
        }

        await s.AppendAsync([.. calls]);
        var id = await s.OpenAsync(FixAndLearnServer.Signal("cost", "support_chat", "fp-cost", "input tokens per call is 2000 against a baseline of 1000", signal: "input_tokens_per_call",
            labels: new Dictionary<string, string> { ["feature"] = "support_chat", ["model"] = "gpt-4o-mini", ["provider"] = "openai" }) with
        {
            Attribution = "input tokens per call up 2.0× only on prompt_version support-v8 (99 % of the excess, a value new since the baseline)",
            OnsetEstimate = T0.AddMinutes(-20),
        });

        s.Time.Advance(TimeSpan.FromMinutes(5));
        await s.RunAsync(id, (m, i) => m.Acknowledge(i, "alice"));
        var plane = s.Server.Service<MitigationControlPlane>();
        var proposed = await plane.CreateAsync(new MitigationRequest
        {
            Kind = MitigationKind.Rollback, Scope = new MitigationScope { Feature = "support_chat" }, Parameters = new MitigationParameters { PromptVersion = "support-v7" },
            Reason = "roll back the prompt", IncidentId = id, CreatedBy = "runbook:cost",
        });
        s.Time.Advance(TimeSpan.FromMinutes(12));
        Assert.True((await plane.ApproveAsync(proposed.Mitigation!.Id, "alice")).Succeeded);
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Mitigating, "alice", "rollback applied"));
        s.Time.Advance(TimeSpan.FromHours(36));
        await s.RunAsync(id, (m, i) => m.AddNote(i, "root cause: prompt support-v8 doubled the retrieved context; fix shipped at 22:17", "alice"));
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Fixing, "alice", "fix shipped"));
        s.Time.Advance(TimeSpan.FromMinutes(10));
        await s.Server.Service<Quell.Server.Evals.EvalService>().OverrideAsync(id, "verified by hand for this test", "alice");
        await s.RunAsync(id, (m, i) => m.Resolve(i, "alice", "verified"));

        var incident = (await s.Incidents.GetAsync(id))!;
        var pm = await s.Server.Service<PostmortemService>().DraftAsync(incident);

        Assert.Equal("Input tokens per call rose 2.0× on support_chat (prompt support-v8)", pm.Title);
        Assert.Equal(
            "An S2 cost incident: input tokens per call rose 2.0× on support_chat (prompt support-v8) from 2026-03-02 09:48 UTC. "
            + "It affected 29 calls of 5 users in 3 tenants (cost $0.0087). "
            + "Cause: prompt support-v8 doubled the retrieved context. "
            + $"Stopped by rollback feature=support_chat to support-v7 ({proposed.Mitigation.Id}), active 17 min after detection.",
            pm.Summary);

        var facts = pm.Facts.ToDictionary(f => f.Name, f => f.Seconds);
        Assert.Equal(12 * 60, facts["time_to_detect"]);
        Assert.Equal(5 * 60, facts["time_to_acknowledge"]);
        Assert.Equal(17 * 60, facts["time_to_mitigate"]);
        Assert.Equal((17 * 60) + (36 * 3600), facts["time_to_fix"]);
        Assert.Equal((27 * 60) + (36 * 3600), facts["time_to_resolve"]);
        Assert.Equal(29 * 60, facts["impact_duration"]);
        Assert.Contains("first affected call 2026-03-02 09:48:00Z", pm.Facts.Single(f => f.Name == "time_to_detect").Source, StringComparison.Ordinal);
        Assert.Contains("mitigation_approved", pm.Facts.Single(f => f.Name == "time_to_mitigate").Source, StringComparison.Ordinal);

        Assert.Equal(29, pm.Impact.Calls);
        Assert.Equal(5, pm.Impact.Users);
        Assert.Equal(3, pm.Impact.Tenants);
        Assert.Equal(0.0087, pm.Impact.CostUsd, 9);
        Assert.Equal(29 * 2000, pm.Impact.InputTokens);
        Assert.Equal("feature=support_chat, provider=openai, model=gpt-4o-mini, prompt_version=support-v8", pm.Impact.Scope);

        Assert.Equal(
            "Detected by the input_tokens_per_call signal (quell) 12 min after the onset (2026-03-02 09:48:00Z, first affected call 2026-03-02 09:48:00Z (the signal's onset estimate 2026-03-02 09:40:00Z came earlier)); acknowledged 5 min after detection. "
            + "A per-trace loop cap or a budget alert at a lower threshold could have caught it earlier.",
            pm.Detection);
        Assert.Equal(["Detected 12 min after onset.", "Acknowledged 5 min after detection.", "Mitigation active 17 min after detection.", "The alert named where the anomaly was, which focused the investigation."], pm.WentWell);
        Assert.Equal(["To be filled in by the responders."], pm.WentBadly);
        Assert.StartsWith("prompt support-v8 doubled the retrieved context.\n- Attribution at detection: input tokens per call up 2.0×", pm.RootCause, StringComparison.Ordinal);
        Assert.Equal("Set a budget cap, a loop limit and a prompt-length check on releases of support_chat.", pm.ActionItems[1].Text);

        var md = PostmortemMarkdown.Render(pm);
        Assert.Contains("# Post-mortem: Input tokens per call rose 2.0× on support_chat (prompt support-v8)", md, StringComparison.Ordinal);
        Assert.Contains("| time_to_mitigate | 17 min |", md, StringComparison.Ordinal);
        Assert.Contains("| 29 | 0 | 0 | 5 | 3 | $0.0087 |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Impact_DataLeak_SeparatesTenantsWhoseDataLeakedFromRecipients()
    {
        var incident = new Incident
        {
            Id = "inc-x", Title = "t", Category = "data", GroupKey = "data:doc_search", Feature = "doc_search",
            Labels = new Dictionary<string, string> { ["feature"] = "doc_search", ["signal"] = "cross_tenant_leak", ["kind"] = "cross_tenant", ["owners"] = "globex" },
            OnsetAt = T0, DetectedAt = T0.AddMinutes(5), LastSignalAt = T0, UpdatedAt = T0, ResolvedAt = T0.AddHours(1),
        };
        CallRecord Leak(string id, string tenant, string user, string owner, int minute) => new()
        {
            Id = id, Timestamp = T0.AddMinutes(minute), Tenant = tenant, User = user, Feature = "doc_search",
            Findings = [new CallFinding("output", "cross_tenant", "FOREIGN_DOCUMENT", 0, 5, 0.9, "…", owner)],
        };
        var calls = new[]
        {
            Leak("a", "umbrella", "u1", "globex", 1),
            Leak("b", "umbrella", "u2", "globex", 2),
            Leak("c", "initech", "u3", "stark", 3),
            new CallRecord { Id = "ok", Timestamp = T0.AddMinutes(4), Tenant = "acme", User = "u4", Feature = "doc_search" },
            new CallRecord { Id = "err", Timestamp = T0.AddMinutes(4), Tenant = "acme", User = "u5", Feature = "doc_search", Status = CallStatus.Error },
        };

        var impact = ImpactFigures.From(incident, calls, T0.AddHours(2));

        Assert.Equal(3, impact.Calls);
        Assert.Equal(0, impact.ErrorCalls);
        Assert.Equal(["globex", "stark"], impact.LeakedFromTenants);
        Assert.Equal(["initech", "umbrella"], impact.RecipientTenants);
        Assert.Equal(3, impact.Users);
        Assert.Equal(3, impact.Entities["FOREIGN_DOCUMENT"]);
    }

    [Fact]
    public void Facts_InjectionOnsetEstimatedBeforeFirstAttempt_StartsAtFirstAttempt()
    {
        var incident = new Incident
        {
            Id = "inc-y", Title = "t", Category = "abuse", GroupKey = "abuse:support_chat", Feature = "support_chat",
            Labels = new Dictionary<string, string> { ["feature"] = "support_chat", ["signal"] = "injection_campaign", ["tenant"] = "wonka", ["users"] = "w1,w2" },
            OnsetAt = T0.AddMinutes(-14), DetectedAt = T0.AddMinutes(2), LastSignalAt = T0, UpdatedAt = T0,
        };
        CallRecord Attempt(string id, string user, int minute) => new()
        {
            Id = id, Timestamp = T0.AddMinutes(minute), Tenant = "wonka", User = user, Feature = "support_chat",
            Findings = [new CallFinding("input", "injection", "INJECTION", 0, 5, 0.9, "…")],
        };
        var calls = new[] { Attempt("1", "w1", 0), Attempt("2", "w2", 1), Attempt("3", "w3", 1), Attempt("4", "w1", 2) };

        var impact = ImpactFigures.From(incident, calls, T0.AddMinutes(10));
        var facts = ResponseFacts.From(incident, [], impact.FirstAffectedAt);

        Assert.Equal(3, impact.Calls);
        Assert.Equal(2, impact.Users);
        Assert.Equal(T0, facts.Onset!.At);
        Assert.Equal(TimeSpan.FromMinutes(2), facts.ToDetect);
    }

    [Theory]
    [InlineData(0.0003, "$0.0003")]
    [InlineData(0.000349, "$0.00035")]
    [InlineData(3.1772, "$3.18")]
    [InlineData(1204.4, "$1,204")]
    [InlineData(0, "$0")]
    public void Money_SmallAndLargeAmounts_KeepTheirDigits(double usd, string expected) => Assert.Equal(expected, ReadableText.Money(usd));

    [Fact]
    public void Text_PluralsPercentagesAndSpans_ReadRight()
    {
        Assert.Equal("1 tenant", ReadableText.Count(1, "tenant"));
        Assert.Equal("1,732 calls", ReadableText.Count(1732, "call"));
        Assert.Equal("2 regression cases", ReadableText.Count(2, "regression case"));
        Assert.Equal("0.4%", ReadableText.Percent(0.004));
        Assert.Equal("23%", ReadableText.Percent(0.23));
        Assert.Equal("17 min", ReadableText.Span(TimeSpan.FromMinutes(17)));
        Assert.Equal("1.5 days", ReadableText.Span(TimeSpan.FromHours(36)));
        Assert.Equal("1 day", ReadableText.Span(TimeSpan.FromHours(24)));
        Assert.Equal("5,272 ms", ReadableText.Quantity(5272.372, "ms"));
        Assert.Equal("An S1", ReadableText.Article("S1") + " S1");
    }
}
