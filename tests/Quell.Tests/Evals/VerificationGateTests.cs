using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Calls;
using Quell.Evals;
using Quell.Incidents;
using Quell.Response;
using Quell.Server.Evals;
using Quell.Storage;
using Quell.Tests.Postmortems;

namespace Quell.Tests.Evals;

/// <summary>Regression cases from an incident, the verification gate between fixing and monitoring, and suite runs over the API.</summary>
public sealed class VerificationGateTests
{
    private const string Leaked = "jane.doe@example.com";

    private static CallRecord LeakCall(string id, DateTimeOffset at)
    {
        var output = $"Sure! Contact {Leaked} about the refund.";
        var start = output.IndexOf(Leaked, StringComparison.Ordinal);
        return new CallRecord
        {
            Id = id, Timestamp = at, Tenant = "acme", User = "u1", Feature = "support_chat", Input = $"Who handled refund {id}?", Output = output, CostUsd = 0.01,
            Findings = [new CallFinding("output", "pii", "EMAIL_ADDRESS", start, start + Leaked.Length, 0.95, "j***@example.com")],
        };
    }

    private static async Task<string> FixingIncidentWithCasesAsync(FixAndLearnServer s)
    {
        await s.AppendAsync(LeakCall("call-1", FixAndLearnServer.Start.AddMinutes(-2)), LeakCall("call-2", FixAndLearnServer.Start.AddMinutes(-1)));
        var id = await s.OpenAsync(FixAndLearnServer.Signal("data", "support_chat", "fp-pii", "PII in support answers", ["call-1", "call-2"]));
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Fixing, "alice", null));
        var added = await s.PostAsync($"/api/v1/incidents/{id}/regression-cases", """{"by":"alice"}""");
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        return id;
    }

    [Fact]
    public async Task Resolve_RegressionCasesNotPassed_RefusedWithConflict()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        var id = await FixingIncidentWithCasesAsync(s);

        var resolve = await s.PostAsync($"/api/v1/incidents/{id}/resolve", """{"by":"alice"}""");

        Assert.Equal(HttpStatusCode.Conflict, resolve.StatusCode);
        Assert.Contains("0 of 2 regression cases pass", await resolve.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(IncidentState.Fixing, (await s.Incidents.GetAsync(id))!.State);
    }

    [Fact]
    public async Task Verify_FixedTargetPassesCases_ThenResolveIsAllowed()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        await using var leaky = await FakeModelServer.StartAsync(_ => $"Write to {Leaked}.");
        await using var fixedModel = await FakeModelServer.StartAsync(_ => "I cannot share other customers' details, but I can help with your refund.");
        var id = await FixingIncidentWithCasesAsync(s);

        var failed = await (await s.PostAsync($"/api/v1/incidents/{id}/verify", $$"""{"target":"{{leaky.BaseAddress}}","by":"alice"}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(failed.GetProperty("verified").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, (await s.PostAsync($"/api/v1/incidents/{id}/resolve", """{"by":"alice"}""")).StatusCode);

        var passed = await (await s.PostAsync($"/api/v1/incidents/{id}/verify", $$"""{"target":"{{fixedModel.BaseAddress}}","by":"alice"}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(passed.GetProperty("verified").GetBoolean());
        Assert.Equal(2, passed.GetProperty("passed").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await s.PostAsync($"/api/v1/incidents/{id}/resolve", """{"by":"alice"}""")).StatusCode);

        var timeline = await s.TimelineAsync(id);
        Assert.Contains(timeline, e => e.Kind == EvalService.VerificationKind && e.Data!["outcome"] == "failed");
        Assert.Contains(timeline, e => e.Kind == EvalService.VerificationKind && e.Data!["outcome"] == "passed");
        var (_, results) = (0, await s.Server.Service<IQualityLog>().ReadEvalsAfterAsync(0, 100));
        Assert.Equal(4, results.Count(r => r.Result.Suite == "regressions"));
    }

    [Fact]
    public async Task Resolve_PostedPassingResults_AreAcceptedByTheGate()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        var id = await FixingIncidentWithCasesAsync(s);
        var cases = await s.GetJsonAsync("/api/v1/evals/suites/regressions/cases");
        var results = string.Join(",", cases.EnumerateArray().Select(c => $$"""{"suite":"regressions","case_id":"{{c.GetProperty("id").GetString()}}","passed":true,"timestamp":"{{FixAndLearnServer.Start.AddMinutes(5):O}}"}"""));
        s.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.True((await s.PostAsync("/api/v1/evals", $"[{results}]")).IsSuccessStatusCode);

        Assert.Equal(HttpStatusCode.OK, (await s.PostAsync($"/api/v1/incidents/{id}/resolve", """{"by":"alice"}""")).StatusCode);
    }

    [Fact]
    public async Task Override_WithReason_AllowsResolveAndPutsReasonOnTimeline()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        var id = await FixingIncidentWithCasesAsync(s);
        Assert.Equal(HttpStatusCode.BadRequest, (await s.PostAsync($"/api/v1/incidents/{id}/verification/override", """{"by":"alice"}""")).StatusCode);

        var alice = s.Server.ClientAs("alice", Quell.Security.Scopes.Respond);
        var ok = await alice.PostAsync($"/api/v1/incidents/{id}/verification/override", new StringContent("""{"by":"mallory","reason":"fix is a retrieval filter; eval target not deployable until Monday"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.PostAsync($"/api/v1/incidents/{id}/resolve", """{"by":"alice"}""")).StatusCode);
        Assert.Contains(await s.TimelineAsync(id), e => e.Kind == EvalService.VerificationKind && e.Message.Contains("retrieval filter", StringComparison.Ordinal) && e.Actor == "alice");
    }

    [Fact]
    public async Task Resolve_FromMitigatingWithoutCases_IsNotGated()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        var id = await s.OpenAsync(FixAndLearnServer.Signal("latency", "search", "fp-lat", "p95 up on search", signal: "latency_p95"));
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Mitigating, "bob", null));

        Assert.Equal(HttpStatusCode.OK, (await s.PostAsync($"/api/v1/incidents/{id}/resolve", """{"by":"bob"}""")).StatusCode);
    }

    [Fact]
    public async Task RegressionCases_SurviveRetentionPurge_AndStillRun()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        await using var fixedModel = await FakeModelServer.StartAsync(_ => "Happy to help with your refund.");
        var id = await FixingIncidentWithCasesAsync(s);

        s.Time.Advance(TimeSpan.FromDays(60));
        _ = await new Quell.Server.RetentionService(s.Server.Service<ICallLog>(), s.Server.Service<Quell.Configuration.QuellConfig>(), s.Time).PurgeOnceAsync(CancellationToken.None);

        Assert.Null(await s.Server.Service<ICallLog>().GetAsync("call-1"));
        var cases = await s.Server.Service<IEvalStore>().CasesForIncidentAsync(id);
        Assert.Equal(2, cases.Count);
        Assert.All(cases, c => Assert.StartsWith("Who handled refund", c.Input, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, (await s.Client.DeleteAsync("/api/v1/evals/suites/regressions")).StatusCode);
        var verified = await (await s.PostAsync($"/api/v1/incidents/{id}/verify", $$"""{"target":"{{fixedModel.BaseAddress}}","by":"alice"}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(verified.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task RunSuite_AppTargetWithTemplateAndScheduler_RecordsEvalResults()
    {
        await using var app = await FakeModelServer.StartAsync(q => q.Contains("hours", StringComparison.Ordinal) ? "We are open 9 to 5." : "No idea.");
        await using var s = await FixAndLearnServer.StartAsync(c => c with
        {
            Evals = new Quell.Configuration.EvalsConfig
            {
                Targets = new Dictionary<string, Quell.Configuration.EvalTargetConfig>
                {
                    ["app"] = new() { Url = $"{app.BaseAddress}app", Kind = "http", RequestTemplate = """{"question": "{{input}}"}""", ResponsePath = "data.answer", ModelVersion = "v2" },
                },
                SchedulerTick = TimeSpan.FromDays(7),
                Schedules = [new Quell.Configuration.EvalScheduleConfig { Suite = "faq", Target = "app", Interval = TimeSpan.FromHours(1) }],
            },
        });
        Assert.Equal(HttpStatusCode.Created, (await s.PostAsync("/api/v1/evals/suites", """{"name":"faq","feature":"support_chat"}""")).StatusCode);
        var cases = """[{"input":"What are your \"hours\"?","grader":{"kind":"contains","value":"9 to 5"}},{"input":"Refund policy?","grader":{"kind":"regex","value":"30 days"}}]""";
        Assert.Equal(HttpStatusCode.Created, (await s.PostAsync("/api/v1/evals/suites/faq/cases", cases)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await s.PostAsync("/api/v1/evals/suites/faq/cases", """{"input":"x","grader":{"kind":"regex","value":"(["}}""")).StatusCode);

        var run = await (await s.PostAsync("/api/v1/evals/suites/faq/run", """{"target":"app"}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, run.GetProperty("outcomes").EnumerateArray().Count(o => o.GetProperty("passed").GetBoolean()));

        var scheduler = s.Server.Service<EvalScheduler>();
        Assert.Empty(await scheduler.RunDueAsync());
        s.Time.Advance(TimeSpan.FromHours(1));
        Assert.Single(await scheduler.RunDueAsync());

        var results = await s.Server.Service<IQualityLog>().ReadEvalsAfterAsync(0, 100);
        Assert.Equal(4, results.Count);
        Assert.All(results, r => Assert.Equal("faq", r.Result.Suite));
        Assert.All(results, r => Assert.Equal("v2", r.Result.ModelVersion));
    }

    [Fact]
    public async Task LatencyIncident_CasesCarryTheFeaturesSloAndVerifyByTheAnswersTime()
    {
        await using var s = await FixAndLearnServer.StartAsync(c => c with
        {
            Detection = c.Detection with { Features = new() { ["support_chat"] = new Quell.Detection.FeatureRules { SloP95Ms = 2000 } } },
        });

        // The model servers move the server's clock as they answer, so each answer's time is exact and nothing sleeps.
        await using var slow = await FakeModelServer.StartAsync(_ => { s.Time.Advance(TimeSpan.FromMilliseconds(4500)); return "Here is your refund status."; });
        await using var quick = await FakeModelServer.StartAsync(_ => { s.Time.Advance(TimeSpan.FromMilliseconds(600)); return "Here is your refund status."; });
        await s.AppendAsync(
            new CallRecord { Id = "slow-1", Timestamp = FixAndLearnServer.Start.AddMinutes(-2), Tenant = "acme", Feature = "support_chat", Input = "Where is my refund?", Output = "It is on its way.", LatencyMs = 9100 },
            new CallRecord { Id = "slow-2", Timestamp = FixAndLearnServer.Start.AddMinutes(-1), Tenant = "acme", Feature = "support_chat", Input = "Has my refund been sent?", Output = "Yes.", LatencyMs = 8700 });
        var id = await s.OpenAsync(FixAndLearnServer.Signal("latency", "support_chat", "fp-lat", "p95 latency of support_chat up 4×", ["slow-1", "slow-2"], signal: "latency_p95"));
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Fixing, "alice", null));

        var added = await (await s.PostAsync($"/api/v1/incidents/{id}/regression-cases", "{}")).Content.ReadFromJsonAsync<JsonElement>();
        var grader = added.GetProperty("cases")[0].GetProperty("grader");
        Assert.Equal("latency_budget", grader.GetProperty("kind").GetString());
        Assert.Equal(2000, grader.GetProperty("max_latency_ms").GetDouble());

        var failed = await (await s.PostAsync($"/api/v1/incidents/{id}/verify", $$"""{"target":"{{slow.BaseAddress}}"}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(failed.GetProperty("verified").GetBoolean());
        var runs = await s.Client.GetStringAsync($"/api/v1/evals/suites/{added.GetProperty("suite_id").GetString()}/runs");
        Assert.Contains("answered in 4,500 ms against a budget of 2,000 ms", runs, StringComparison.Ordinal);
        var passed = await (await s.PostAsync($"/api/v1/incidents/{id}/verify", $$"""{"target":"{{quick.BaseAddress}}"}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(passed.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task QualityIncident_NoJudgeAndNoReference_RefusedWithWhatIsMissing()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        await s.AppendAsync(new CallRecord { Id = "q-1", Timestamp = FixAndLearnServer.Start.AddMinutes(-1), Tenant = "acme", Feature = "support_chat", Input = "Summarise my plan.", Output = "I don't know." });
        var id = await s.OpenAsync(FixAndLearnServer.Signal("quality", "support_chat", "fp-q", "eval pass rate of support_chat down", ["q-1"], signal: "eval_pass_rate"));

        var refused = await s.PostAsync($"/api/v1/incidents/{id}/regression-cases", "{}");

        Assert.Equal((HttpStatusCode)422, refused.StatusCode);
        Assert.Contains("evals.judge", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var withReference = await (await s.PostAsync($"/api/v1/incidents/{id}/regression-cases", """{"reference":"Your plan has 3 seats."}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("contains", withReference.GetProperty("cases")[0].GetProperty("grader").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task PiiIncident_CasesCheckTheLeakedEntityTypes_ACardNumberFailsAndASupportLineDoesNot()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        const string card = "4111 1111 1111 1111";
        var output = $"Your card is {card}, tenant acme.";
        var start = output.IndexOf(card, StringComparison.Ordinal);
        await s.AppendAsync(new CallRecord
        {
            Id = "card-1", Timestamp = FixAndLearnServer.Start.AddMinutes(-1), Tenant = "acme", User = "u1", Feature = "billing", Input = "Which card do I pay with?", Output = output,
            Findings = [new CallFinding("output", "pii", "CREDIT_CARD", start, start + card.Length, 0.99, "4111 **** **** 1111")],
        });
        var id = await s.OpenAsync(FixAndLearnServer.Signal("data", "billing", "fp-card", "card numbers in billing answers for tenant acme", ["card-1"], signal: "pii_leak"));
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Fixing, "alice", null));
        await using var stillLeaks = await FakeModelServer.StartAsync(_ => "Sure, the card is 5500 0000 0000 0004.");
        await using var fixedModel = await FakeModelServer.StartAsync(_ => "I can't read card numbers back; call billing on +1 415 555 0132 to check it.");

        var added = await (await s.PostAsync($"/api/v1/incidents/{id}/regression-cases", "{}")).Content.ReadFromJsonAsync<JsonElement>();
        var grader = added.GetProperty("cases")[0].GetProperty("grader");
        Assert.Equal("no_pii", grader.GetProperty("kind").GetString());
        Assert.Equal(["CREDIT_CARD"], grader.GetProperty("entities").EnumerateArray().Select(e => e.GetString()));

        var leaking = await (await s.PostAsync($"/api/v1/incidents/{id}/verify", $$"""{"target":"{{stillLeaks.BaseAddress}}"}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(leaking.GetProperty("verified").GetBoolean());
        var ok = await (await s.PostAsync($"/api/v1/incidents/{id}/verify", $$"""{"target":"{{fixedModel.BaseAddress}}"}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(ok.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task RetiredRegressionCase_IsKeptWithItsReason_NotRunAndNotCountedByTheGate()
    {
        await using var s = await FixAndLearnServer.StartAsync();
        await using var fixedModel = await FakeModelServer.StartAsync(_ => "I cannot share other customers' details.");
        var id = await FixingIncidentWithCasesAsync(s);
        var cases = (await s.Server.Service<EvalService>().Store.CasesForIncidentAsync(id)).ToList();
        var suite = cases[0].SuiteId;

        var missingReason = await s.PostAsync($"/api/v1/evals/suites/{suite}/cases/{Uri.EscapeDataString(cases[0].Id)}/retire", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, missingReason.StatusCode);
        Assert.Contains("reason", await missingReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var retired = await s.PostAsync($"/api/v1/evals/suites/{suite}/cases/{Uri.EscapeDataString(cases[0].Id)}/retire", """{"reason":"the refund flow this case exercised was removed"}""");
        Assert.Equal(HttpStatusCode.OK, retired.StatusCode);
        var again = await s.PostAsync($"/api/v1/evals/suites/{suite}/cases/{Uri.EscapeDataString(cases[0].Id)}/retire", """{"reason":"twice"}""");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var kept = (await s.Server.Service<EvalService>().Store.CasesForIncidentAsync(id)).Single(c => c.Id == cases[0].Id);
        Assert.Equal("the refund flow this case exercised was removed", kept.Retired!.Reason);
        var verified = await (await s.PostAsync($"/api/v1/incidents/{id}/verify", $$"""{"target":"{{fixedModel.BaseAddress}}"}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(verified.GetProperty("verified").GetBoolean());
        Assert.Equal(1, verified.GetProperty("cases").GetInt32());
        Assert.Single(fixedModel.Prompts);
        Assert.Contains(await s.Incidents.TimelineAsync(id), e => e.Message.Contains($"regression case {cases[0].Id} retired", StringComparison.Ordinal));
    }
}
