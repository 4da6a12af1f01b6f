using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Quell.Calls;
using Quell.Cli;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Tests.Security;
using Quell.Tests.Server;

namespace Quell.Tests.Playbook;

public sealed class ReplayAndVendorTests
{
    private static readonly DateTimeOffset Onset = DateTimeOffset.UtcNow.AddHours(-1);

    private const string LeakyAnswer = "Sure, you can reach Dana at dana.smith@example.com or +1 415 555 0132.";
    private const string SafeAnswer = "I can't share personal contact details, but I can pass on a message.";

    [Fact]
    public async Task Replay_OpenAiTargetWithPins_ReproducesAndFixesStoredLeak()
    {
        await using var model = await StartModelAsync();
        await using var server = await QuellTestServer.StartAsync(LoopbackTargets.Allow(new QuellConfig()));
        var ids = await IngestLeaksAsync(server);

        var leaky = await ReplayAsync(server, new { call_ids = ids, target = model.BaseAddress.ToString(), pin = new { model = "leaky-model" } });
        Assert.Equal(3, leaky.GetProperty("replayed").GetInt32());
        Assert.Equal(0, leaky.GetProperty("differing").GetInt32());
        Assert.Equal(1.0, leaky.GetProperty("mean_similarity").GetDouble());

        var safe = await ReplayAsync(server, new { call_ids = ids, target = model.BaseAddress.ToString(), pin = new { model = "safe-model" } });
        Assert.Equal(3, safe.GetProperty("differing").GetInt32());
        var item = safe.GetProperty("items")[0];
        Assert.Equal(LeakyAnswer, item.GetProperty("original").GetString());
        Assert.Equal(SafeAnswer, item.GetProperty("replayed").GetString());
        Assert.Equal("safe-model", item.GetProperty("model").GetString());
        Assert.Contains(item.GetProperty("gone").EnumerateArray(), g => g.GetString() == "pii:EMAIL_ADDRESS");
        Assert.Empty(item.GetProperty("new").EnumerateArray());

        // Latency and tokens side by side, so a latency or cost fix can be checked by replay.
        Assert.Equal(1200, item.GetProperty("original_usage").GetProperty("latency_ms").GetDouble());
        Assert.Equal(30, item.GetProperty("original_usage").GetProperty("input_tokens").GetInt64());
        Assert.Equal(31, item.GetProperty("replayed_usage").GetProperty("input_tokens").GetInt64());
        Assert.Equal(12, item.GetProperty("replayed_usage").GetProperty("output_tokens").GetInt64());
        Assert.True(item.GetProperty("replayed_usage").GetProperty("latency_ms").GetDouble() >= 0);
        Assert.Equal(1300, safe.GetProperty("original_median_latency_ms").GetDouble());
        Assert.Equal(3 * 50, safe.GetProperty("original_tokens").GetInt64());
        Assert.Equal(3 * 43, safe.GetProperty("replayed_tokens").GetInt64());
    }

    [Fact]
    public async Task Replay_AppTemplateTarget_FillsInputAndReadsOutputPath()
    {
        await using var model = await StartModelAsync();
        await using var server = await QuellTestServer.StartAsync(LoopbackTargets.Allow(new QuellConfig()));
        await IngestLeaksAsync(server);

        var report = await ReplayAsync(server, new
        {
            feature = "billing",
            from = Onset.AddMinutes(-5),
            to = Onset.AddHours(1),
            target = new Uri(model.BaseAddress, "/app/answer").ToString(),
            target_kind = "template",
            template = """{"question": "{{input}}", "mode": "safe"}""",
            output_path = "data.answer",
        });
        Assert.Equal(3, report.GetProperty("replayed").GetInt32());
        Assert.All(report.GetProperty("items").EnumerateArray(), i => Assert.Equal(SafeAnswer, i.GetProperty("replayed").GetString()));
    }

    [Fact]
    public async Task ReplayCli_PinOption_PrintsSideBySideTable()
    {
        await using var model = await StartModelAsync();
        await using var server = await QuellTestServer.StartAsync(LoopbackTargets.Allow(new QuellConfig()));
        var ids = await IngestLeaksAsync(server);
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var code = await ReplayCommand.RunAsync(server.Client, new() { ["call_ids"] = ids, ["target"] = model.BaseAddress.ToString(), ["pin"] = new Dictionary<string, string> { ["model"] = "safe-model" } }, false, output, errors, CancellationToken.None);
        Assert.True(code == 0, errors.ToString());
        Assert.Contains("differing 3", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("EMAIL_ADDRESS", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_NoTarget_ProblemNamesField()
    {
        await using var server = await QuellTestServer.StartAsync(LoopbackTargets.Allow(new QuellConfig()));
        using var response = await server.Client.PostAsJsonAsync("/api/v1/replay", new { feature = "billing" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("target", doc.RootElement.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task LatencyRunbook_VendorReportsMajorOutage_VendorStepNeedsAttention()
    {
        await using var status = await LocalHttpReceiver.StartAsync(app =>
        {
            app.MapGet("/openai/api/v2/status.json", () => Results.Text("""{"page":{"id":"x"},"status":{"indicator":"major","description":"Partial System Outage"}}""", "application/json"));
            app.MapGet("/anthropic/api/v2/status.json", () => Results.Text("""{"status":{"indicator":"none","description":"All Systems Operational"}}""", "application/json"));
        });
        var config = new QuellConfig
        {
            Playbook = new PlaybookConfig
            {
                VendorStatus = new Dictionary<string, string>
                {
                    ["openai"] = new Uri(status.BaseAddress, "/openai/api/v2/status.json").ToString(),
                    ["anthropic"] = new Uri(status.BaseAddress, "/anthropic/api/v2/status.json").ToString(),
                    ["gone"] = new Uri(status.BaseAddress, "/missing/api/v2/status.json").ToString(),
                },
            },
        };
        await using var server = await QuellTestServer.StartAsync(config);

        using var vendors = JsonDocument.Parse(await server.Client.GetStringAsync("/api/v1/investigations/vendor-status"));
        var byVendor = vendors.RootElement.EnumerateArray().ToDictionary(v => v.GetProperty("vendor").GetString()!, v => v.GetProperty("indicator").GetString());
        Assert.Equal("major", byVendor["openai"]);
        Assert.Equal("none", byVendor["anthropic"]);
        Assert.Equal("unknown", byVendor["gone"]);

        using var response = await server.Client.PostAsJsonAsync("/api/v1/runbooks/run", new { category = "latency", signal = "latency_p95", onset = Onset });
        using var run = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var vendor = run.RootElement.GetProperty("findings")[0];
        Assert.Equal("vendor_status", vendor.GetProperty("step_id").GetString());
        Assert.Equal("attention", vendor.GetProperty("status").GetString());
        Assert.Contains("openai reports major: Partial System Outage", vendor.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PiiRunbook_LeakingCallsScannedOnIngest_AffectedUsersExportedAndFallbackProposed()
    {
        await using var server = await QuellTestServer.StartAsync(LoopbackTargets.Allow(new QuellConfig()));
        await IngestLeaksAsync(server);
        using var response = await server.Client.PostAsJsonAsync("/api/v1/runbooks/run", new { incident_id = "inc-pii", category = "data", signal = "pii_leak", feature = "billing", onset = Onset });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var run = JsonDocument.Parse(text);
        var findings = run.RootElement.GetProperty("findings").EnumerateArray().ToDictionary(f => f.GetProperty("step_id").GetString()!);
        Assert.Equal("attention", findings["isolate_flow"].GetProperty("status").GetString());
        Assert.StartsWith("3 users and 2 tenants", findings["count_affected_users"].GetProperty("summary").GetString(), StringComparison.Ordinal);
        var export = findings["legal_notification"].GetProperty("data");
        Assert.Equal(["u1", "u2", "u3"], export.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal(["acme", "globex"], export.GetProperty("tenants").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal("proposed", findings["isolate_fallback"].GetProperty("status").GetString());
        Assert.Equal("todo", findings["technical_fix"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task PromptDiff_SystemPromptChangedAtOnset_LinesAddedAndRemoved()
    {
        await using var server = await QuellTestServer.StartAsync(LoopbackTargets.Allow(new QuellConfig()));
        var calls = Enumerable.Range(0, 10).Select(i => new CallRecord
        {
            Id = $"p{i}",
            Timestamp = Onset.AddMinutes(i < 5 ? -30 + i : 5 + i),
            Feature = "support_chat",
            Model = "gpt-4o",
            PromptVersion = i < 5 ? "v12" : "v13",
            SystemPrompt = i < 5 ? "You are a support agent.\nAnswer briefly." : "You are a support agent.\nAnswer in detail.\nInclude the full refund policy.",
            Input = "hi",
            Output = "hello",
        }).ToList();
        await PostCallsAsync(server, calls);
        var url = $"/api/v1/investigations/prompt-diff?category=quality&feature=support_chat&onset={Uri.EscapeDataString(Onset.ToString("O"))}";
        using var doc = JsonDocument.Parse(await server.Client.GetStringAsync(url));
        Assert.Equal("v12", doc.RootElement.GetProperty("before_version").GetString());
        Assert.Equal("v13", doc.RootElement.GetProperty("after_version").GetString());
        var ops = doc.RootElement.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("op").GetString()).ToList();
        Assert.Equal([" ", "-", "+", "+"], ops);
    }

    private static async Task<LocalHttpReceiver> StartModelAsync() => await LocalHttpReceiver.StartAsync(app =>
    {
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            var body = await JsonNode.ParseAsync(http.Request.Body);
            var model = body!["model"]!.GetValue<string>();
            var answer = model == "leaky-model" ? LeakyAnswer : SafeAnswer;
            return Results.Json(new { id = "cmpl-1", model, choices = new[] { new { index = 0, message = new { role = "assistant", content = answer }, finish_reason = "stop" } }, usage = new { prompt_tokens = 31, completion_tokens = 12, total_tokens = 43 } });
        });
        app.MapPost("/app/answer", async (HttpContext http) =>
        {
            var body = await JsonNode.ParseAsync(http.Request.Body);
            var question = body!["question"]!.GetValue<string>();
            return Results.Json(new { data = new { answer = body["mode"]?.GetValue<string>() == "safe" ? SafeAnswer : LeakyAnswer, question } });
        });
    });

    private static async Task<List<string>> IngestLeaksAsync(QuellTestServer server)
    {
        var calls = new (string User, string Tenant)[] { ("u1", "acme"), ("u2", "acme"), ("u3", "globex") }.Select((p, i) => new CallRecord
        {
            Id = $"leak-{i}",
            Timestamp = Onset.AddMinutes(i),
            Feature = "billing",
            Tenant = p.Tenant,
            User = p.User,
            Model = "gpt-4o",
            Provider = "openai",
            Input = "How do I contact Dana about my invoice?",
            Output = LeakyAnswer,
            SystemPrompt = "You are the billing assistant.",
            LatencyMs = 1200 + (100 * i),
            InputTokens = 30,
            OutputTokens = 20,
        }).ToList();
        await PostCallsAsync(server, calls);
        return calls.Select(c => c.Id).ToList();
    }

    private static async Task PostCallsAsync(QuellTestServer server, IReadOnlyList<CallRecord> calls)
    {
        using var content = new ByteArrayContent(CallRecordJsonWriter.ToNdjson(calls));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await server.Client.PostAsync("/api/v1/calls", content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> ReplayAsync(QuellTestServer server, object body)
    {
        using var response = await server.Client.PostAsJsonAsync("/api/v1/replay", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
