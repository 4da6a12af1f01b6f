using System.Diagnostics;
using System.Text;
using Quell.Calls;
using Quell.Storage;
using Quell.Telemetry;
using Quell.Tests.Server;

namespace Quell.Tests.Telemetry;

/// <summary>
/// The real GenAI instrumentations from npm (pinned in tests/instrumentations/package-lock.json, installed by
/// ./test.sh) drive the OpenAI SDK against a loopback mock of the OpenAI API and export with their usual OTLP
/// exporters to a real Quell host; the stored calls are checked field by field.
/// </summary>
[Collection(NpmInstrumentationTests.Collection)]
public sealed class NpmInstrumentationTests
{
    public const string Collection = "npm instrumentations";

    [Theory]
    [InlineData("logs-first", "protobuf")]
    [InlineData("spans-first", "protobuf")]
    [InlineData("logs-first", "json")]
    public async Task OtelContribOpenAi_SpansLogsAndMetrics_CompleteCallsWithContentFromLogs(string order, string encoding)
    {
        await using var server = await QuellTestServer.StartAsync();
        await RunAsync(server, "otel-contrib.js", new()
        {
            ["QUELL_FLUSH"] = order,
            ["QUELL_OTLP_JSON"] = encoding == "json" ? "1" : "0",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "tenant.id=acme,deployment.environment=test",
        });

        var calls = await CallsAsync(server);
        Assert.Equal(3, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 0, convention: "otel_genai");
        Assert.Equal("support_chat", plain.Feature);
        Assert.Equal("acme", plain.Tenant);
        ConventionExpectations.AssertStreamedChat(ConventionExpectations.Streamed(calls));
        var failed = Assert.Single(calls, c => c.IsError);
        ConventionExpectations.AssertFailed(failed);
        Assert.Equal(ConventionExpectations.FailingQuestion, failed.Input);

        var signals = server.Service<OtlpSignalMetrics>();
        Assert.True(signals.MetricPointCount("gen_ai.client.token.usage") > 0);
        Assert.True(signals.MetricPointCount("gen_ai.client.operation.duration") > 0);
        Assert.Equal(0, signals.LogRecordCount("late"));
        Assert.Equal(0, server.Service<LogContentJoin>().HeldSpans);
    }

    [Fact]
    public async Task TraceloopNodeServerSdk_AssociationPropertiesAndWorkflow_CompleteCalls()
    {
        await using var server = await QuellTestServer.StartAsync();
        await RunAsync(server, "openllmetry.js", []);

        // The SDK ends no span for a call the API failed, so two calls arrive (and the workflow span, skipped).
        var calls = await CallsAsync(server);
        Assert.Equal(2, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 0, convention: "openllmetry");
        ConventionExpectations.AssertWho(plain);
        Assert.Equal("order_status", plain.Feature);
        var streamed = ConventionExpectations.Streamed(calls);
        ConventionExpectations.AssertStreamedChat(streamed);
        ConventionExpectations.AssertWho(streamed);
    }

    [Fact]
    public async Task TraceloopLegacyInstrumentation_IndexedContentAndOpenAiProvider_CompleteCalls()
    {
        await using var server = await QuellTestServer.StartAsync();
        await RunAsync(server, "traceloop-legacy.js", []);

        var calls = await CallsAsync(server);
        Assert.Equal(2, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 0, convention: "openllmetry");
        Assert.Equal("support_chat", plain.Feature);
        ConventionExpectations.AssertStreamedChat(ConventionExpectations.Streamed(calls));
        Assert.All(calls, c => Assert.Equal("openai", c.Provider));
    }

    [Fact]
    public async Task OpenInferenceOpenAi_LlmSpans_CompleteCallsWithCachedTokensAndWho()
    {
        await using var server = await QuellTestServer.StartAsync();
        await RunAsync(server, "openinference.js", []);

        var calls = await CallsAsync(server);
        Assert.Equal(2, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 12, convention: "openinference");
        ConventionExpectations.AssertWho(plain);
        var streamed = ConventionExpectations.Streamed(calls);
        ConventionExpectations.AssertStreamedChat(streamed);
        ConventionExpectations.AssertWho(streamed);
    }

    [Fact]
    public async Task VercelAiSdk_GenerateStreamAndFailure_CompleteCallsOnePerProviderCall()
    {
        await using var server = await QuellTestServer.StartAsync();
        await RunAsync(server, "vercel-ai.js", []);

        var calls = await CallsAsync(server);
        Assert.Equal(3, calls.Count);
        var plain = ConventionExpectations.Plain(calls);
        ConventionExpectations.AssertPlainChat(plain, cachedTokens: 12, convention: "vercel_ai");
        ConventionExpectations.AssertWho(plain);
        Assert.Equal("order_status", plain.Feature);
        var streamed = ConventionExpectations.Streamed(calls);
        ConventionExpectations.AssertStreamedChat(streamed);
        Assert.Equal(12, streamed.CachedInputTokens);
        Assert.NotNull(streamed.TtftMs);
        Assert.InRange(streamed.TtftMs!.Value, 0.001, streamed.LatencyMs!.Value);
        var failed = Assert.Single(calls, c => c.IsError);
        ConventionExpectations.AssertFailed(failed);
        ConventionExpectations.AssertWho(failed);
        Assert.All(calls, c => Assert.Equal("openai", c.Provider));
    }

    private static async Task<IReadOnlyList<CallRecord>> CallsAsync(QuellTestServer server) =>
        (await server.Service<ICallLog>().QueryAsync(new CallQuery { Limit = 100 })).Select(c => c.Call).ToList();

    /// <summary>Runs one script under Node.js with the OTLP environment a user would set; fails with its output when it fails.</summary>
    private static async Task RunAsync(QuellTestServer server, string script, Dictionary<string, string> env)
    {
        var folder = InstrumentationsFolder();
        var start = new ProcessStartInfo("node", script)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var baseUrl = server.BaseAddress.ToString().TrimEnd('/');
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = baseUrl;
        start.Environment["OTEL_SERVICE_NAME"] = "support_chat";
        start.Environment["QUELL_URL"] = baseUrl;
        start.Environment.Remove("OTEL_EXPORTER_OTLP_HEADERS");
        start.Environment.Remove("OTEL_RESOURCE_ATTRIBUTES");
        start.Environment["QUELL_API_KEY"] = ServerKeys.AdminKey(server);
        start.Environment["OTEL_EXPORTER_OTLP_HEADERS"] = ServerKeys.OtlpHeaders(server);

        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // A guard against a hung script, not a timing assertion.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish: {await stderr}");
        }

        var output = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
        Assert.True(process.ExitCode == 0, $"node {script} exited with {process.ExitCode}:\n{output}");
        Assert.DoesNotContain("otel error", output, StringComparison.Ordinal);
    }

    private static string InstrumentationsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "instrumentations");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                Assert.True(
                    Directory.Exists(Path.Combine(candidate, "node_modules", "@opentelemetry", "instrumentation-openai")),
                    $"the npm packages of {candidate} are not installed; ./test.sh installs them with 'npm ci'");
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/instrumentations not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>The npm tests run one after another: each starts Node.js, and two cores are shared.</summary>
[CollectionDefinition(NpmInstrumentationTests.Collection, DisableParallelization = true)]
public sealed class NpmInstrumentationCollection;
