using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Calls;
using Quell.Storage;

namespace Quell.Tests.Server;

public sealed class NativeIngestTests
{
    private static string Record(string id, string extra = "", string timestamp = "2026-11-20T10:00:00Z") =>
        $$"""{"id":"{{id}}","timestamp":"{{timestamp}}","tenant":"acme","user":"u1","feature":"support_chat","provider":"openai","model":"gpt-4o-mini","input_tokens":1000,"output_tokens":200{{extra}}}""";

    private static StringContent Json(string body, string type = "application/json") => new(body, Encoding.UTF8, type);

    [Fact]
    public async Task PostCalls_ValidArray_StoresCallsWithComputedCost()
    {
        await using var server = await QuellTestServer.StartAsync();
        var response = await server.Client.PostAsync("/api/v1/calls", Json($"[{Record("a1")},{Record("a2", ",\"cached_input_tokens\":500")}]"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, body.RootElement.GetProperty("accepted").GetInt32());

        var call = await server.Client.GetFromJsonAsync<JsonElement>("/api/v1/calls/a1");
        Assert.Equal("openai", call.GetProperty("provider").GetString());
        Assert.Equal(1000, call.GetProperty("input_tokens").GetInt64());
        Assert.Equal("price_table", call.GetProperty("cost_source").GetString());

        // gpt-4o-mini: $0.15 per 1M input, $0.60 per 1M output.
        Assert.Equal((1000 * 0.15 + 200 * 0.60) / 1e6, call.GetProperty("cost_usd").GetDouble(), 12);
        var cached = await server.Client.GetFromJsonAsync<JsonElement>("/api/v1/calls/a2");
        Assert.Equal((500 * 0.15 + 500 * 0.075 + 200 * 0.60) / 1e6, cached.GetProperty("cost_usd").GetDouble(), 12);
    }

    [Fact]
    public async Task PostCalls_Ndjson_AcceptsEachLine()
    {
        await using var server = await QuellTestServer.StartAsync();
        var response = await server.Client.PostAsync("/api/v1/calls", Json($"{Record("n1")}\n{Record("n2")}\n\n{Record("n3")}\n", "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, await server.Service<ICallLog>().CountAsync());
    }

    [Fact]
    public async Task PostCalls_MixedBatch_ReportsIndexFieldAndKeepsValidRecords()
    {
        await using var server = await QuellTestServer.StartAsync();
        var negative = Record("bad1").Replace("\"input_tokens\":1000", "\"input_tokens\":-5", StringComparison.Ordinal);
        var body = $"[{Record("ok1")},{negative},{Record("ok2")},{{\"timestamp\":\"2026-11-20T10:00:00Z\"}}]";
        var response = await server.Client.PostAsync("/api/v1/calls", Json(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, doc.RootElement.GetProperty("accepted").GetInt32());
        Assert.Equal(2, doc.RootElement.GetProperty("rejected").GetInt32());
        var errors = doc.RootElement.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(1, errors[0].GetProperty("index").GetInt32());
        Assert.Equal("input_tokens", errors[0].GetProperty("field").GetString());
        Assert.Contains(">= 0", errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, errors[1].GetProperty("index").GetInt32());
        Assert.Equal("id", errors[1].GetProperty("field").GetString());
        Assert.NotNull(await server.Service<ICallLog>().GetAsync("ok2"));
    }

    [Fact]
    public async Task PostCalls_SameIdTwice_IsIdempotent()
    {
        await using var server = await QuellTestServer.StartAsync();
        await server.Client.PostAsync("/api/v1/calls", Json($"[{Record("dup")}]"));
        var second = await server.Client.PostAsync("/api/v1/calls", Json($"[{Record("dup")}]"));
        using var doc = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.Equal(0, doc.RootElement.GetProperty("accepted").GetInt32());
        Assert.Equal(1, doc.RootElement.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, await server.Service<ICallLog>().CountAsync());
    }

    [Fact]
    public async Task PostCalls_UnknownModel_IsFlaggedNotCostedAtZero()
    {
        await using var server = await QuellTestServer.StartAsync();
        var response = await server.Client.PostAsync("/api/v1/calls", Json($"[{Record("u1").Replace("gpt-4o-mini", "my-finetune-7b", StringComparison.Ordinal)}]"));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, doc.RootElement.GetProperty("unpriced_models").GetInt32());
        var call = (await server.Service<ICallLog>().GetAsync("u1"))!.Value.Call;
        Assert.Null(call.CostUsd);
        Assert.Equal(CostSource.Unknown, call.CostSource);
        var metrics = await Functional.PrometheusText.ScrapeAsync(server.Client);
        Assert.Equal(1, metrics.Value("quell_calls_unpriced_total"));
    }

    [Fact]
    public async Task GetCalls_FilterByTenantAndTime_ReturnsMatchingCalls()
    {
        await using var server = await QuellTestServer.StartAsync();
        var other = Record("t2", timestamp: "2026-11-20T12:00:00Z").Replace("\"acme\"", "\"globex\"", StringComparison.Ordinal);
        await server.Client.PostAsync("/api/v1/calls", Json($"[{Record("t1")},{other},{Record("t3", timestamp: "2026-11-21T10:00:00Z")}]"));

        var acme = await server.Client.GetFromJsonAsync<JsonElement>("/api/v1/calls?tenant=acme&from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z");
        Assert.Equal(["t1"], acme.EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList());
        var bad = await server.Client.GetAsync("/api/v1/calls?from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("from", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
