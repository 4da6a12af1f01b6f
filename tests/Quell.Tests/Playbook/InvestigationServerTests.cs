using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Cli;

namespace Quell.Tests.Playbook;

/// <summary>Investigation and runbooks over a real server holding simulated incidents.</summary>
public sealed class InvestigationServerTests(SimulatedIncidentsFixture fixture) : IClassFixture<SimulatedIncidentsFixture>
{
    private HttpClient Http => fixture.Server.Client;

    [Fact]
    public async Task Correlate_SimulatedCostCreep_PromptDeployRankedFirst()
    {
        var url = $"/api/v1/investigations/correlate?category=cost&signal=cost_per_call&feature=support_chat&onset={Uri.EscapeDataString(SimulatedIncidentsFixture.CostOnset.ToString("O"))}";
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(url));
        var top = doc.RootElement[0];
        Assert.Equal(fixture.Cost.CauseChangeId, top.GetProperty("change").GetProperty("id").GetString());
        Assert.Contains("support-v8", top.GetProperty("sentence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correlate_SimulatedQualityRegression_ModelVersionChangeRankedFirst()
    {
        var url = $"/api/v1/investigations/correlate?category=quality&signal=eval_pass_rate&feature=doc_search&onset={Uri.EscapeDataString(SimulatedIncidentsFixture.QualityOnset.ToString("O"))}";
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(url));
        Assert.Equal(fixture.Quality.CauseChangeId, doc.RootElement[0].GetProperty("change").GetProperty("id").GetString());
        Assert.Contains("failing evals since 10:00", doc.RootElement[0].GetProperty("sentence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunCostBlowup_SimulatedCostCreep_FindingsForEveryStep()
    {
        var run = await RunAsync(new { incident_id = "inc-cost", category = "cost", signal = "cost_per_call", feature = "support_chat", onset = SimulatedIncidentsFixture.CostOnset });
        Assert.Equal("cost_blowup", run.GetProperty("runbook").GetString());
        var findings = Findings(run);
        Assert.Equal(["top_cost_flows", "loop_check", "loop_cap", "prompt_length", "prompt_version_check", "rollback_prompt", "root_cause"], findings.Keys);
        Assert.Equal("skipped", findings["loop_cap"].Status);
        Assert.Equal("attention", findings["prompt_length"].Status);
        Assert.Equal("attention", findings["prompt_version_check"].Status);

        // The prompt that bloated the input is rolled back to the version served before the onset, nothing else.
        Assert.Equal("proposed", findings["rollback_prompt"].Status);
        Assert.Contains("rollback feature=support_chat to support-v7", findings["rollback_prompt"].Summary, StringComparison.Ordinal);
        Assert.Equal("attention", findings["root_cause"].Status);
        Assert.Contains(fixture.Cost.CauseChangeId!, findings["root_cause"].Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(findings.Values, f => f.Status == "error");
    }

    [Fact]
    public async Task RunQualityRegression_SimulatedRegression_EvalAndModelVersionNeedAttentionRollbackProposed()
    {
        var run = await RunAsync(new { incident_id = "inc-q", category = "quality", signal = "eval_pass_rate", feature = "doc_search", onset = SimulatedIncidentsFixture.QualityOnset });
        var findings = Findings(run);
        Assert.Equal(["eval_check", "model_version_check", "prompt_diff", "retrieval_diff", "rollback"], findings.Keys);
        Assert.Equal("attention", findings["eval_check"].Status);
        Assert.Equal("attention", findings["model_version_check"].Status);
        Assert.Equal("proposed", findings["rollback"].Status);

        using var proposed = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/mitigations?include=proposed"));
        var rollback = proposed.RootElement.GetProperty("mitigations").EnumerateArray().Single(m => m.TryGetProperty("incident_id", out var i) && i.GetString() == "inc-q");
        Assert.Equal("rollback", rollback.GetProperty("kind").GetString());
        Assert.Equal("proposed", rollback.GetProperty("state").GetString());
        Assert.Equal("doc_search", rollback.GetProperty("scope").GetProperty("feature").GetString());

        // The proposal says what approving it would do, in figures the store counted.
        var effect = rollback.GetProperty("expected_effect").GetString()!;
        var figures = System.Text.RegularExpressions.Regex.Match(effect, @"^covers ([\d,]+) of ([\d,]+) doc_search calls since the onset \((\d+) %; [\d,]+ users? in [\d,]+ tenants?\); they are served .+ again$");
        Assert.True(figures.Success, effect);
        var covered = long.Parse(figures.Groups[1].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        var total = long.Parse(figures.Groups[2].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(covered, 1, total);
        Assert.Contains("expected effect: covers", findings["rollback"].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunQualityRegression_RunTwice_OneProposalWithACallableModelId()
    {
        var body = new { incident_id = "inc-q-twice", category = "quality", signal = "eval_pass_rate", feature = "doc_search", onset = SimulatedIncidentsFixture.QualityOnset };
        var first = Findings(await RunAsync(body));
        var second = Findings(await RunAsync(body));

        Assert.Equal("proposed", first["rollback"].Status);
        Assert.StartsWith("already proposed: ", second["rollback"].Summary, StringComparison.Ordinal);
        using var proposed = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/mitigations?include=proposed"));
        var rollback = Assert.Single(proposed.RootElement.GetProperty("mitigations").EnumerateArray(), m => m.TryGetProperty("incident_id", out var i) && i.GetString() == "inc-q-twice");
        var model = rollback.GetProperty("parameters").GetProperty("model").GetString()!;
        using var calls = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/calls?feature=doc_search&model_version={Uri.EscapeDataString(model)}&limit=1"));
        var served = calls.RootElement.ValueKind == JsonValueKind.Array ? calls.RootElement : calls.RootElement.GetProperty("calls");
        var call = Assert.Single(served.EnumerateArray());
        Assert.StartsWith(call.GetProperty("model").GetString()! + "-", model, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProposalCheck_FallbackRoutes_OnlyModelsAndProvidersThatAnsweredBeforeTheOnset()
    {
        var source = fixture.Server.Service<Quell.Investigation.IInvestigationSource>();
        var subject = new Quell.Investigation.InvestigationSubject("latency", "latency_p95", "support_chat", SimulatedIncidentsFixture.CostOnset);
        using var served = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/calls?feature=support_chat&limit=1"));
        var calls = served.RootElement.ValueKind == JsonValueKind.Array ? served.RootElement : served.RootElement.GetProperty("calls");
        var model = calls[0].GetProperty("model").GetString()!;
        var provider = calls[0].GetProperty("provider").GetString()!;

        static Quell.Mitigations.MitigationRequest Fallback(string model, string? provider) => new()
        {
            Kind = Quell.Mitigations.MitigationKind.Fallback,
            Parameters = new Quell.Mitigations.MitigationParameters { FallbackModel = model, FallbackProvider = provider },
        };

        Assert.Empty(await Quell.Runbooks.ProposalCheck.AgainstRecordAsync(Fallback(model, provider), source, subject, default));
        var unknown = await Quell.Runbooks.ProposalCheck.AgainstRecordAsync(Fallback("gpt-9-imaginary", "nowhere-ai"), source, subject, default);
        Assert.Equal(["parameters.fallback_model", "parameters.fallback_provider"], unknown.Select(e => e.Field));
        Assert.Contains("has not answered any call in the 7 days before the onset", unknown[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("latency", "latency_p95", "latency")]
    [InlineData("data", "pii_leak", "pii_leak")]
    [InlineData("data", "cross_tenant_leak", "cross_tenant_leak")]
    [InlineData("abuse", "injection_campaign", "prompt_injection")]
    public async Task Run_BuiltInForCategory_EveryStepHasAFinding(string category, string signal, string runbook)
    {
        var run = await RunAsync(new { category, signal, feature = "support_chat", onset = SimulatedIncidentsFixture.CostOnset });
        Assert.Equal(runbook, run.GetProperty("runbook").GetString());
        using var shown = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/runbooks?category={category}&signal={signal}"));
        Assert.Equal(shown.RootElement.GetProperty("steps").GetArrayLength(), run.GetProperty("findings").GetArrayLength());
        Assert.DoesNotContain(Findings(run).Values, f => f.Status == "error");
    }

    [Fact]
    public async Task TopCostFlowsAndBreakdown_Window_ReturnRows()
    {
        var range = $"from={Uri.EscapeDataString(SimulatedIncidentsFixture.Start.ToString("O"))}&to={Uri.EscapeDataString(SimulatedIncidentsFixture.Start.AddHours(14).ToString("O"))}";
        using var flows = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/investigations/top-cost-flows?{range}"));
        var costs = flows.RootElement.EnumerateArray().Select(f => f.GetProperty("cost_usd").GetDouble()).ToList();
        Assert.True(costs.Count > 5);
        Assert.Equal(costs.OrderDescending(), costs);
        using var regions = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/investigations/breakdown?dimension=region&{range}"));
        Assert.True(regions.RootElement.GetArrayLength() >= 2);
        using var trend = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/investigations/prompt-length?feature=support_chat&{range}"));
        Assert.Equal(14, trend.RootElement.GetArrayLength());
        using var bad = await Http.GetAsync("/api/v1/investigations/breakdown?dimension=color");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task RunbookCli_IncidentWithCategory_PrintsFindingsTable()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var code = await RunbookCommand.RunAsync(Http, "run", new RunbookCommand.Target("inc-cli", "cost", "cost_per_call", "support_chat", SimulatedIncidentsFixture.CostOnset.ToString("O")), false, output, errors, CancellationToken.None);
        Assert.True(code == 0, errors.ToString());
        Assert.Contains("Top-cost flows", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("attention", output.ToString(), StringComparison.Ordinal);

        var unknown = await RunbookCommand.RunAsync(Http, "run", new RunbookCommand.Target("nope", null, null, null, null), false, output, errors, CancellationToken.None);
        Assert.Equal(2, unknown);
    }

    [Fact]
    public async Task Run_MissingOnset_ProblemNamesField()
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/runbooks/run", new { category = "cost" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("onset", doc.RootElement.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    private async Task<JsonElement> RunAsync(object body)
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/runbooks/run", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Dictionary<string, (string Status, string Summary)> Findings(JsonElement run) =>
        run.GetProperty("findings").EnumerateArray().ToDictionary(f => f.GetProperty("step_id").GetString()!, f => (f.GetProperty("status").GetString()!, f.GetProperty("summary").GetString()!));
}
