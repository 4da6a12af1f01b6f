using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Quell.Calls;
using Quell.Storage;
using Quell.Tests.Server;

namespace Quell.Tests.Telemetry;

/// <summary>Spans from Microsoft.Extensions.AI's OpenTelemetryChatClient, exported by the OpenTelemetry .NET SDK, land as calls.</summary>
public sealed class OtlpExporterTests
{
    private const string SourceName = "Quell.Tests.GenAi";

    [Fact]
    public async Task OtlpHttpProtobufExporter_ChatClientSpan_StoresCallWithProviderModelTokensAndCost()
    {
        await using var server = await QuellTestServer.StartAsync();
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(SourceName)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("support_chat").AddAttributes([new("tenant.id", "acme"), new("cloud.region", "eu-west")]))
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(server.BaseAddress, "/v1/traces");
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.ExportProcessorType = ExportProcessorType.Simple;
                o.Headers = $"Authorization=Bearer {server.AdminKey}";
            })
            .Build())
        {
            var client = new FakeChatClient("openai", "gpt-4o-mini", input: 1200, output: 300)
                .AsBuilder()
                .UseOpenTelemetry(sourceName: SourceName, configure: c => c.EnableSensitiveData = true)
                .Build();
            var response = await client.GetResponseAsync("Why was I charged twice?", new ChatOptions { ModelId = "gpt-4o-mini" });
            Assert.Equal("You were not charged twice.", response.Text);
            tracing.ForceFlush();
        }

        var calls = await server.Service<ICallLog>().QueryAsync(new CallQuery { Feature = "support_chat" });
        var call = Assert.Single(calls).Call;
        Assert.Equal("openai", call.Provider);
        Assert.Equal("gpt-4o-mini", call.Model);
        Assert.Equal("chat", call.Operation);
        Assert.Equal("acme", call.Tenant);
        Assert.Equal("eu-west", call.Region);
        Assert.Equal(1200, call.InputTokens);
        Assert.Equal(300, call.OutputTokens);
        Assert.Equal(CostSource.PriceTable, call.CostSource);
        Assert.Equal((1200 * 0.15 + 300 * 0.60) / 1e6, call.CostUsd!.Value, 12);
        Assert.Contains("charged twice", call.Input, StringComparison.Ordinal);
        Assert.Equal("You were not charged twice.", call.Output);
        Assert.True(call.LatencyMs >= 0);
    }

    [Fact]
    public async Task OtlpHttpProtobufExporter_NonGenAiSpans_AreCountedAndSkipped()
    {
        await using var server = await QuellTestServer.StartAsync();
        using var source = new System.Diagnostics.ActivitySource(SourceName + ".Plain");
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(server.BaseAddress, "/v1/traces");
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.ExportProcessorType = ExportProcessorType.Simple;
                o.Headers = $"Authorization=Bearer {server.AdminKey}";
            })
            .Build())
        {
            using (source.StartActivity("GET /index"))
            {
            }

            tracing.ForceFlush();
        }

        Assert.Equal(0, await server.Service<ICallLog>().CountAsync());
        Assert.Contains("quell_spans_skipped_total 1", await server.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtlpJson_GenAiSpans_StoredAndIdempotentOnTraceAndSpanId()
    {
        await using var server = await QuellTestServer.StartAsync();
        var start = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() * 1_000_000;
        var body = $$$"""
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"doc_search"}}]},
          "scopeSpans":[{"scope":{"name":"openai"},"spans":[
            {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","name":"chat claude-3-5-sonnet","kind":3,
             "startTimeUnixNano":"{{{start}}}","endTimeUnixNano":"{{{start + 1_500_000_000}}}",
             "attributes":[
               {"key":"gen_ai.system","value":{"stringValue":"anthropic"}},
               {"key":"gen_ai.request.model","value":{"stringValue":"claude-3-5-sonnet"}},
               {"key":"gen_ai.usage.prompt_tokens","value":{"intValue":"2000"}},
               {"key":"gen_ai.usage.completion_tokens","value":{"intValue":400}},
               {"key":"tenant_id","value":{"stringValue":"globex"}}],
             "status":{"code":2,"message":"429 Too Many Requests"}},
            {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"0000000000000000","name":"chat broken",
             "startTimeUnixNano":"{{{start}}}","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}}]}
          ]}]}]}
        """;
        using var first = await server.Client.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using (var doc = JsonDocument.Parse(await first.Content.ReadAsStringAsync()))
        {
            var partial = doc.RootElement.GetProperty("partialSuccess");
            Assert.Equal("1", partial.GetProperty("rejectedSpans").GetString());
            Assert.Contains("spanId", partial.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        }

        using var again = await server.Client.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var call = Assert.Single(await server.Service<ICallLog>().QueryAsync(new CallQuery())).Call;
        Assert.Equal("5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174", call.Id);
        Assert.Equal("anthropic", call.Provider);
        Assert.Equal("doc_search", call.Feature);
        Assert.Equal("globex", call.Tenant);
        Assert.Equal(2000, call.InputTokens);
        Assert.Equal(400, call.OutputTokens);
        Assert.Equal(1500, call.LatencyMs!.Value, 3);
        Assert.True(call.IsError);
        Assert.Equal(ErrorTypes.RateLimited, call.ErrorType);
    }

    [Fact]
    public async Task OtlpProtobuf_Gzipped_IsAccepted()
    {
        await using var server = await QuellTestServer.StartAsync();
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(SourceName)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(server.BaseAddress, "/v1/traces");
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.ExportProcessorType = ExportProcessorType.Simple;
                o.Headers = $"x-test=1,x-api-key={server.AdminKey}";
            })
            .Build())
        {
            var client = new FakeChatClient("anthropic", "claude-3-5-haiku", input: 50, output: 5).AsBuilder().UseOpenTelemetry(sourceName: SourceName).Build();
            await client.GetResponseAsync("hi");
            tracing.ForceFlush();
        }

        var call = Assert.Single(await server.Service<ICallLog>().QueryAsync(new CallQuery())).Call;
        Assert.Equal("anthropic", call.Provider);
        Assert.Null(call.Input);
    }

    /// <summary>An inner chat client that answers at once with fixed usage, standing in for a model vendor.</summary>
    private sealed class FakeChatClient(string provider, string model, long input, long output) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "You were not charged twice."))
            {
                ModelId = options?.ModelId ?? model,
                Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output },
                FinishReason = ChatFinishReason.Stop,
            });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata(provider, new Uri("https://api.example.com"), model) : null;

        public void Dispose()
        {
        }
    }
}
