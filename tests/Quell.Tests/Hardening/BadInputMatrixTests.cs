using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Storage;
using Quell.Tests.Server;

namespace Quell.Tests.Hardening;

/// <summary>Each input the field reports answered with a 500 now gets a 4xx problem naming the field or byte, on a real host.</summary>
public sealed class BadInputMatrixTests : IAsyncLifetime
{
    private static readonly string Now = DateTimeOffset.UtcNow.ToString("O");
    private QuellTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await QuellTestServer.StartAsync(new QuellConfig { Limits = new IngestLimits { MaxBodyBytes = 256 * 1024 } });
        using var seed = await _server.Client.PostAsync("/api/v1/calls", Json($$"""[{"id":"keep-1","timestamp":"{{Now}}","model":"gpt-4o","input_tokens":10}]"""));
        Assert.Equal(HttpStatusCode.OK, seed.StatusCode);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string, string> EmptyBatches() => new()
    {
        { "/api/v1/calls", "[]", "empty" },
        { "/api/v1/evals", "[]", "empty" },
        { "/api/v1/feedback", "[]", "empty" },
        { "/api/v1/changes", " [ ] ", "empty" },
    };

    public static TheoryData<string, string, string> LoneSurrogates() => new()
    {
        { "/api/v1/calls", $$"""[{"id":"a\ud800","timestamp":"{{Now}}"}]""", "byte 9" },
        { "/api/v1/evals", """[{"suite":"s\udc00","case":"c","passed":true}]""", "byte 12" },
        { "/api/v1/feedback", """[{"call_id":"\ud800x","thumbs":"up"}]""", "byte 13" },
        { "/api/v1/changes", """[{"kind":"deploy","description":"\ud800"}]""", "byte 33" },
        { "/api/v1/alertmanager", """{"version":"4","alerts":[{"labels":{"alertname":"\ud800"}}]}""", "byte 49" },
        { "/api/v1/silences", """{"matchers":["a=\ud800"],"duration":"1h"}""", "byte 16" },
        { "/api/v1/mitigations", """{"kind":"disable","reason":"\ud800"}""", "byte 28" },
        { "/api/v1/replay", """{"call_ids":["\ud800"],"target":"http://127.0.0.1:9"}""", "byte 14" },
        { "/v1/traces", """{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"\ud800"}]}]}]}""", "byte 52" },
    };

    public static TheoryData<string, string, string> OutOfRange() => new()
    {
        { "/api/v1/calls", $$"""[{"id":"a","timestamp":"{{Now}}","input_tokens":4611686018427387904}]""", "input_tokens" },
        { "/api/v1/calls", """[{"id":"a","timestamp":"1970-01-01T00:00:00Z"}]""", "timestamp" },
        { "/api/v1/calls", $$"""[{"id":"a","timestamp":"{{Now}}","cost_usd":1e300}]""", "cost_usd" },
        { "/api/v1/calls", $$"""[{"id":"a","timestamp":"{{Now}}","latency_ms":1e400}]""", "latency_ms" },
        { "/api/v1/feedback", """[{"call_id":"x","score":1e400}]""", "score" },
        { "/api/v1/evals", """[{"suite":"s","case":"c","passed":true,"timestamp":"0001-01-01T00:00:00Z"}]""", "timestamp" },
        { "/api/v1/evals", """[{"suite":"s","case":"c","score":7}]""", "score" },
        { "/api/v1/changes", """[{"kind":"deploy","timestamp":"0001-01-01T00:00:00Z"}]""", "timestamp" },
        { "/api/v1/changes", """[{"kind":"banana"}]""", "kind" },
        { "/api/v1/silences", """{"matchers":["a=b"],"duration":"100000000d"}""", "duration" },
        { "/api/v1/silences", """{"matchers":["a=b"],"starts_at":"9999-12-31T23:59:59Z","duration":"1h"}""", "starts_at" },
        { "/api/v1/mitigations", """{"kind":"rate_limit","reason":"r","scope":{"feature":"x"},"parameters":{"rate_per_second":1e400,"per":"tenant"}}""", "parameters.rate_per_second" },
        { "/api/v1/mitigations", """{"kind":"disable","reason":"r","scope":{"feature":"x"},"expires_in":"9999999d"}""", "expires_in" },
        { "/api/v1/alertmanager", """{"version":"4","alerts":[{"labels":{"alertname":"a"},"startsAt":"1970-01-01T00:00:00Z"}]}""", "alerts[0].startsAt" },
        { "/api/v1/replay", """{"call_ids":["x"],"target":"http://127.0.0.1:9","from":"0001-01-01T00:00:00Z"}""", "from" },
    };

    [Theory]
    [MemberData(nameof(EmptyBatches))]
    public Task Post_EmptyBatch_Returns400SayingItIsEmpty(string path, string body, string fragment) => AssertRefusedAsync(path, Json(body), HttpStatusCode.BadRequest, fragment);

    [Theory]
    [MemberData(nameof(LoneSurrogates))]
    public Task Post_LoneSurrogateEscape_Returns400NamingTheByte(string path, string body, string fragment) => AssertRefusedAsync(path, Json(body), HttpStatusCode.BadRequest, fragment);

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public Task Post_OutOfRangeValue_Returns400NamingTheField(string path, string body, string field) => AssertRefusedAsync(path, Json(body), HttpStatusCode.BadRequest, field);

    [Theory]
    [InlineData("/api/v1/alertmanager", 13)]
    [InlineData("/api/v1/silences", 13)]
    [InlineData("/api/v1/incidents/inc-x/note", 13)]
    [InlineData("/api/v1/mitigations", 13)]
    public async Task Post_InvalidUtf8_Returns400NamingTheByte(string path, int offset)
    {
        var bytes = Encoding.UTF8.GetBytes("{\"version\":\"4X\",\"alerts\":[]}");
        bytes[offset] = 0xFF;
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await AssertRefusedAsync(path, content, HttpStatusCode.BadRequest, $"byte {offset}");
    }

    [Theory]
    [InlineData("/api/v1/alertmanager")]
    [InlineData("/api/v1/mitigations")]
    [InlineData("/api/v1/silences")]
    [InlineData("/api/v1/replay")]
    [InlineData("/api/v1/incidents/inc-x/note")]
    [InlineData("/api/v1/calls")]
    [InlineData("/api/v1/evals/suites")]
    public async Task Post_BodyOverTheLimit_Returns413(string path)
    {
        var body = "{\"text\":\"" + new string('a', 300 * 1024) + "\"}";
        await AssertRefusedAsync(path, Json(body), HttpStatusCode.RequestEntityTooLarge, "limit");
    }

    [Fact]
    public async Task Post_BodyOverTheLimitWithoutLength_Returns413()
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"text\":\"" + new string('a', 300 * 1024) + "\"}")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/silences") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task PostTraces_OtlpTokensOutOfRange_RefusedLikeNative()
    {
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        string Span(string id, string attr) =>
            "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"" + id + "\",\"name\":\"chat\",\"startTimeUnixNano\":\"" + start + "\",\"endTimeUnixNano\":\"" + (start + 1_000_000)
            + "\",\"attributes\":[{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}}," + attr + "]}";
        var spans = string.Join(",",
            Span("0000000000000001", """{"key":"gen_ai.usage.input_tokens","value":{"intValue":"4611686018427387904"}}"""),
            Span("0000000000000002", """{"key":"gen_ai.usage.input_tokens","value":{"doubleValue":1e308}}"""),
            Span("0000000000000003", """{"key":"gen_ai.usage.input_tokens","value":{"intValue":"12"}}"""));
        var body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" + spans + "]}]}]}";
        using var response = await _server.Client.PostAsync("/v1/traces", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("2", doc.RootElement.GetProperty("partialSuccess").GetProperty("rejectedSpans").GetString());
        Assert.Contains("input_tokens", text, StringComparison.Ordinal);
    }

    private async Task AssertRefusedAsync(string path, HttpContent content, HttpStatusCode expected, string fragment)
    {
        using var response = await _server.Client.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Contains(fragment, text, StringComparison.Ordinal);
        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        await AssertStillServingAsync();
    }

    private async Task AssertStillServingAsync()
    {
        using var health = await _server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.NotNull(await _server.Service<ICallLog>().GetAsync("keep-1"));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
