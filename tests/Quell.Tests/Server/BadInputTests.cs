using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Storage;

namespace Quell.Tests.Server;

/// <summary>Every kind of bad input gets a clear 4xx, the server keeps serving, and nothing accepted is lost.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string Good = """{"id":"keep-1","timestamp":"2026-11-20T10:00:00Z","feature":"support_chat","model":"gpt-4o","input_tokens":10,"output_tokens":5}""";
    private QuellTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await QuellTestServer.StartAsync(new QuellConfig { Limits = new IngestLimits { MaxBodyBytes = 1024 * 1024, MaxContentChars = 64 * 1024 } });
        var seed = await _server.Client.PostAsync("/api/v1/calls", new StringContent($"[{Good}]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, seed.StatusCode);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, HttpContent content)
    {
        using var response = await _server.Client.PostAsync(path, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task AssertStillServingAndNothingLostAsync()
    {
        var health = await _server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.NotNull(await _server.Service<ICallLog>().GetAsync("keep-1"));
    }

    private static ByteArrayContent Bytes(byte[] body, string type, string? encoding = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        return content;
    }

    [Fact]
    public async Task PostCalls_MalformedJson_Returns400NamingTheByte()
    {
        var (status, body) = await PostAsync("/api/v1/calls", new StringContent("[{\"id\": \"x\", \"timestamp\": }]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("malformed JSON", body, StringComparison.Ordinal);
        Assert.Contains("byte", body, StringComparison.Ordinal);
        await AssertStillServingAndNothingLostAsync();
    }

    [Fact]
    public async Task PostTraces_MalformedProtobuf_Returns400WithRpcStatus()
    {
        // Field 1, length-delimited, claims 200 bytes but only 3 follow.
        var (status, _) = await PostAsync("/v1/traces", Bytes([0x0A, 0xC8, 0x01, 0x01, 0x02, 0x03], "application/x-protobuf"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var response = await _server.Client.PostAsync("/v1/traces", Bytes([0x0A, 0xC8, 0x01, 0x01], "application/x-protobuf"));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0x08, bytes[0]); // google.rpc.Status.code
        Assert.Equal(3, bytes[1]); // INVALID_ARGUMENT
        Assert.Contains("runs past the end", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        await AssertStillServingAndNothingLostAsync();
    }

    [Fact]
    public async Task PostTraces_MalformedJson_Returns400WithJsonStatus()
    {
        var (status, body) = await PostAsync("/v1/traces", new StringContent("{\"resourceSpans\": [", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(3, doc.RootElement.GetProperty("code").GetInt32());
        await AssertStillServingAndNothingLostAsync();
    }

    [Theory]
    [InlineData("/api/v1/calls")]
    [InlineData("/v1/traces")]
    public async Task Post_WrongContentType_Returns415(string path)
    {
        var (status, body) = await PostAsync(path, new StringContent("<xml/>", Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("application/xml", body, StringComparison.Ordinal);
        await AssertStillServingAndNothingLostAsync();
    }

    [Fact]
    public async Task PostCalls_InvalidUtf8_Returns400NamingTheByte()
    {
        var prefix = Encoding.UTF8.GetBytes("[{\"id\":\"u\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"input\":\"ab");
        byte[] body = [.. prefix, 0xC3, 0x28, .. "\"}]"u8.ToArray()];
        var (status, text) = await PostAsync("/api/v1/calls", Bytes(body, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("UTF-8", text, StringComparison.Ordinal);
        Assert.Contains($"byte {prefix.Length}", text, StringComparison.Ordinal);
        await AssertStillServingAndNothingLostAsync();
    }

    [Fact]
    public async Task PostCalls_NegativeTokens_Returns400NamingTheField()
    {
        var (status, body) = await PostAsync("/api/v1/calls", new StringContent("""[{"id":"neg","timestamp":"2026-11-20T10:00:00Z","output_tokens":-1}]""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("output_tokens", body, StringComparison.Ordinal);
        await AssertStillServingAndNothingLostAsync();
    }

    [Fact]
    public async Task PostCalls_TimestampYearsInFuture_Returns400NamingTheField()
    {
        var (status, body) = await PostAsync("/api/v1/calls", new StringContent("""[{"id":"future","timestamp":"2031-01-01T00:00:00Z"}]""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("timestamp", body, StringComparison.Ordinal);
        Assert.Contains("future", body, StringComparison.Ordinal);
        await AssertStillServingAndNothingLostAsync();
    }

    [Theory]
    [InlineData("/api/v1/calls", "application/json")]
    [InlineData("/v1/traces", "application/x-protobuf")]
    public async Task Post_BodyOverCap_Returns413(string path, string type)
    {
        var (status, _) = await PostAsync(path, Bytes(new byte[2 * 1024 * 1024], type));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        await AssertStillServingAndNothingLostAsync();
    }

    [Theory]
    [InlineData("/api/v1/calls", "application/json")]
    [InlineData("/v1/traces", "application/x-protobuf")]
    public async Task Post_GzipBomb_Returns413WithoutInflatingEverything(string path, string type)
    {
        // 1 GiB of zeros compresses to about 1 MiB; the reader must stop at the 1 MiB cap.
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 1024; i++)
            {
                gzip.Write(zeros);
            }
        }

        var before = GC.GetTotalAllocatedBytes();
        var (status, body) = await PostAsync(path, Bytes(compressed.ToArray(), type, "gzip"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("decompression", body, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 256L * 1024 * 1024, "decompression must stop at the cap");
        await AssertStillServingAndNothingLostAsync();
    }

    [Fact]
    public async Task PostCalls_DeeplyNestedJson_Returns400NamingTheDepth()
    {
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", 5000)) + "1" + new string('}', 5000);
        var (status, body) = await PostAsync("/api/v1/calls", new StringContent($"[{{\"id\":\"deep\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"attributes\":{nested}}}]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("depth", body, StringComparison.OrdinalIgnoreCase);
        await AssertStillServingAndNothingLostAsync();
    }

    [Fact]
    public async Task PostCalls_HugeStringField_Returns400NamingTheField()
    {
        var huge = new string('x', 200_000);
        var (status, body) = await PostAsync("/api/v1/calls", new StringContent($"[{{\"id\":\"huge\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"output\":\"{huge}\"}}]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("output", body, StringComparison.Ordinal);
        Assert.Contains("limit", body, StringComparison.Ordinal);
        await AssertStillServingAndNothingLostAsync();
    }

    [Fact]
    public async Task Post_Rejections_AreCountedByReasonOnMetrics()
    {
        await PostAsync("/api/v1/calls", new StringContent("nope", Encoding.UTF8, "application/json"));
        var metrics = await Functional.PrometheusText.ScrapeAsync(_server.Client);
        Assert.True(metrics.Value("quell_calls_rejected_total", ("source", "native"), ("reason", "malformed")) >= 1, metrics.Text);
        Assert.Equal(1, metrics.Value("quell_calls_accepted_total", ("source", "native")));
        Assert.True(metrics.Has("quell_ingest_queue_depth"), metrics.Text);
        Assert.True(metrics.Value("quell_ingest_write_seconds_count") >= 1, metrics.Text);
    }
}
