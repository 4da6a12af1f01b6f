using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Quell.Calls;
using Quell.Storage;
using Quell.Telemetry;
using Quell.Tests.Server;

namespace Quell.Tests.Telemetry;

/// <summary>
/// Spans and log events captured from the real npm instrumentations (tests/instrumentations/capture.js, OTLP/JSON),
/// posted to a real Quell host on one fake clock set to the capture time.
/// </summary>
public sealed class ConventionFixtureTests
{
    private static readonly DateTimeOffset CapturedAt = new(2026, 12, 1, 9, 20, 0, TimeSpan.Zero);

    [Fact]
    public async Task OpenInferenceSpans_LlmAttributes_BecomeCompleteCalls()
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        await PostAsync(server, "/v1/traces", "openinference.traces.json");

        var calls = await CallsAsync(server);
        Assert.Equal(2, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 12, convention: "openinference");
        ConventionExpectations.AssertWho(plain);
        Assert.Equal("support_chat", plain.Feature);
        var streamed = ConventionExpectations.Streamed(calls);
        ConventionExpectations.AssertStreamedChat(streamed);
        ConventionExpectations.AssertWho(streamed);
    }

    [Fact]
    public async Task OpenLlmetrySpans_AssociationPropertiesAndWorkflow_BecomeTenantUserSessionFeature()
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        var response = await PostAsync(server, "/v1/traces", "openllmetry.traces.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Two chat spans and the workflow span, which wraps them and is not a call.
        var calls = await CallsAsync(server);
        Assert.Equal(2, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 0, convention: "openllmetry");
        ConventionExpectations.AssertWho(plain);
        Assert.Equal("order_status", plain.Feature);
        ConventionExpectations.AssertStreamedChat(ConventionExpectations.Streamed(calls));
    }

    [Fact]
    public async Task LegacyTraceloopSpans_IndexedPromptAndCompletion_SplitSystemPromptAndNormaliseProvider()
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        await PostAsync(server, "/v1/traces", "traceloop-legacy.traces.json");

        var calls = await CallsAsync(server);
        Assert.Equal(2, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 0, convention: "openllmetry");
        Assert.Contains("\"quell.provider_raw\":\"OpenAI\"", plain.AttributesJson, StringComparison.Ordinal);
        ConventionExpectations.AssertStreamedChat(ConventionExpectations.Streamed(calls));
    }

    [Fact]
    public async Task VercelAiSpans_ProviderSpansAreCallsAndWrappersAreSkipped()
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        await PostAsync(server, "/v1/traces", "vercel-ai.traces.json");

        var calls = await CallsAsync(server);
        Assert.Equal(3, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 12, convention: "vercel_ai");
        ConventionExpectations.AssertWho(plain);
        Assert.Equal("order_status", plain.Feature);
        Assert.Contains("\"quell.provider_raw\":\"openai.responses\"", plain.AttributesJson, StringComparison.Ordinal);

        var streamed = ConventionExpectations.Streamed(calls);
        ConventionExpectations.AssertStreamedChat(streamed);
        Assert.Equal(12, streamed.CachedInputTokens);
        Assert.NotNull(streamed.TtftMs);
        Assert.InRange(streamed.TtftMs!.Value, 0.001, streamed.LatencyMs!.Value);

        var failed = Assert.Single(calls, c => c.IsError);
        ConventionExpectations.AssertFailed(failed);
        Assert.Equal(ConventionExpectations.FailingQuestion, failed.Input);
        ConventionExpectations.AssertWho(failed);
        Assert.Equal(3, calls.Count);
    }

    [Fact]
    public async Task OtelContribSpans_LogsBeforeSpans_ContentJoinsItsCall()
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        var logs = await PostAsync(server, "/v1/logs", "otel-contrib.logs.json");
        Assert.Equal(HttpStatusCode.OK, logs.StatusCode);
        Assert.Equal("{}", await logs.Content.ReadAsStringAsync());
        await PostAsync(server, "/v1/traces", "otel-contrib.traces.json");

        AssertOtelContribCalls(await CallsAsync(server));
        Assert.Equal(0, server.Service<LogContentJoin>().WaitingContent);
    }

    [Fact]
    public async Task OtelContribSpans_SpansBeforeLogs_SpansWaitAndContentJoins()
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        var join = server.Service<LogContentJoin>();
        var held = 0;
        var allHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        join.SpanHeld += _ =>
        {
            if (Interlocked.Increment(ref held) == 3)
            {
                allHeld.TrySetResult();
            }
        };

        var traces = PostAsync(server, "/v1/traces", "otel-contrib.traces.json");
        await allHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(traces.IsCompleted);
        await PostAsync(server, "/v1/logs", "otel-contrib.logs.json");
        Assert.Equal(HttpStatusCode.OK, (await traces).StatusCode);

        AssertOtelContribCalls(await CallsAsync(server));
        Assert.Equal(0, join.HeldSpans);
    }

    [Fact]
    public async Task OpenInference_SameBatchTwice_ContentKept()
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        await PostAsync(server, "/v1/traces", "openinference.traces.json");
        Assert.All(await CallsAsync(server), c => Assert.NotNull(c.Input));
        await PostAsync(server, "/v1/traces", "openinference.traces.json");
        Assert.All(await CallsAsync(server), c => Assert.NotNull(c.Input));
    }

    [Fact]
    public async Task OtelContribSpans_LogsAfterSpanWait_CallStoredWithoutContentAndLogsReportedLate()
    {
        var (server, time) = await StartAsync();
        await using var _ = server;
        var join = server.Service<LogContentJoin>();
        var allHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;
        join.SpanHeld += _ =>
        {
            if (Interlocked.Increment(ref held) == 3)
            {
                allHeld.TrySetResult();
            }
        };

        var traces = PostAsync(server, "/v1/traces", "otel-contrib.traces.json");
        await allHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(new LogJoinOptions().SpanWait);
        Assert.Equal(HttpStatusCode.OK, (await traces).StatusCode);
        var calls = await CallsAsync(server);
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Null(c.Input));

        var logs = await PostAsync(server, "/v1/logs", "otel-contrib.logs.json");
        using var body = JsonDocument.Parse(await logs.Content.ReadAsStringAsync());
        var partial = body.RootElement.GetProperty("partialSuccess");
        Assert.Equal("7", partial.GetProperty("rejectedLogRecords").GetString());
        Assert.Contains("after their span's call was stored", partial.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, (await CallsAsync(server)).Count);
        Assert.Equal(7, server.Service<OtlpSignalMetrics>().LogRecordCount("late"));
    }

    [Fact]
    public async Task OtelContribSpans_AppSendsNoLogs_SpansStopWaitingAfterThreeEmptyWaits()
    {
        var (server, time) = await StartAsync();
        await using var _ = server;
        var join = server.Service<LogContentJoin>();
        var allHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;
        join.SpanHeld += _ =>
        {
            if (Interlocked.Increment(ref held) == 3)
            {
                allHeld.TrySetResult();
            }
        };

        var first = PostAsync(server, "/v1/traces", "otel-contrib.traces.json");
        await allHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(new LogJoinOptions().SpanWait);
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);

        // Three more calls of the same scope: stored at once, without the clock moving.
        var json = System.Text.RegularExpressions.Regex.Replace(
            await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Telemetry", "Fixtures", "otel-contrib.traces.json")),
            "\"spanId\":\"[0-9a-f]",
            "\"spanId\":\"e");
        var second = await server.Client.PostAsync("/v1/traces", new StringContent(json, Encoding.UTF8, "application/json")).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(3, held);
        Assert.Equal(0, join.HeldSpans);
        Assert.Equal(6, (await CallsAsync(server)).Count);
    }

    [Fact]
    public async Task LogContent_SpanNeverComes_ExpiresAndIsCounted()
    {
        var (server, time) = await StartAsync();
        await using var _ = server;
        await PostAsync(server, "/v1/logs", "otel-contrib.logs.json");
        var join = server.Service<LogContentJoin>();
        Assert.Equal(3, join.WaitingContent);
        time.Advance(new LogJoinOptions().ContentWait);
        Assert.Equal(0, join.WaitingContent);
        Assert.Equal(7, server.Service<OtlpSignalMetrics>().LogRecordCount("expired"));
    }

    [Fact]
    public async Task OtlpMetrics_GenAiClientInstruments_AcceptedAndCounted()
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        var response = await PostAsync(server, "/v1/metrics", "otel-contrib.metrics.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());

        var signals = server.Service<OtlpSignalMetrics>();
        Assert.Equal(4, signals.MetricPointCount("gen_ai.client.operation.duration"));
        Assert.Equal(4, signals.MetricPointCount("gen_ai.client.token.usage"));
        var exposition = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("quell_otlp_metric_points_total{instrument=\"gen_ai.client.token.usage\"} 4", exposition, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/logs", "ExportLogsServiceRequest")]
    [InlineData("/v1/metrics", "ExportMetricsServiceRequest")]
    public async Task OtlpSignals_MalformedProtobuf_400NamingTheByte(string path, string message)
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        using var content = new ByteArrayContent([0x0A, 0x7F, 0x01]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
        var response = await server.Client.PostAsync(path, content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
        Assert.Contains($"undecodable {message}", text, StringComparison.Ordinal);
        Assert.Contains("at byte", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtlpLogs_UnsupportedContentType_415()
    {
        var (server, _) = await StartAsync();
        await using var _ = server;
        var response = await server.Client.PostAsync("/v1/logs", new StringContent("x", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private static void AssertOtelContribCalls(IReadOnlyList<CallRecord> calls)
    {
        Assert.Equal(3, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 0, convention: "otel_genai");
        Assert.Equal("support_chat", plain.Feature);
        ConventionExpectations.AssertStreamedChat(ConventionExpectations.Streamed(calls));
        var failed = Assert.Single(calls, c => c.IsError);
        ConventionExpectations.AssertFailed(failed);
        Assert.Equal(ConventionExpectations.FailingQuestion, failed.Input);
    }

    private static async Task<(QuellTestServer Server, FakeTimeProvider Time)> StartAsync()
    {
        var time = new FakeTimeProvider(CapturedAt);
        return (await QuellTestServer.StartAsync(time: time), time);
    }

    private static async Task<HttpResponseMessage> PostAsync(QuellTestServer server, string path, string fixture)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Telemetry", "Fixtures", fixture));
        return await server.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
    }

    private static async Task<IReadOnlyList<CallRecord>> CallsAsync(QuellTestServer server) =>
        (await server.Service<ICallLog>().QueryAsync(new CallQuery { Limit = 100 })).Select(c => c.Call).ToList();
}
