using Quell.Calls;
using Quell.Ingest;
using Quell.Telemetry;

namespace Quell.Tests.Telemetry;

/// <summary>The conventions' pure readings: OTel GenAI current and deprecated names, provider aliases, error hints.</summary>
public sealed class GenAiConventionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static CallRecord MapOne(OtlpSpan span)
    {
        var mapper = new GenAiSpanMapper(new GenAiAttributeNames(), new IngestLimits(), new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now));
        var batch = mapper.Map([span]);
        Assert.Empty(batch.Errors);
        return Assert.Single(batch.Records);
    }

    private static OtlpSpan Span(params (string Key, object? Value)[] attributes)
    {
        var start = (ulong)(Now.AddMinutes(-1).ToUnixTimeMilliseconds() * 1_000_000);
        var span = new OtlpSpan { TraceId = "4bf92f3577b34da6a3ce929d0e0e4736", SpanId = "00f067aa0ba902b7", Name = "chat gpt-4o", StartUnixNano = start, EndUnixNano = start + 900_000_000 };
        foreach (var (key, value) in attributes)
        {
            span.Attributes[key] = value;
        }

        return span;
    }

    [Fact]
    public void OtelCurrent_MessagesWithPartsAndInstructions_SplitsSystemFromInputAndKeepsCache()
    {
        var call = MapOne(Span(
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.provider.name", "azure.ai.openai"),
            ("gen_ai.request.model", "gpt-4o"),
            ("gen_ai.response.model", "gpt-4o-2024-11-20"),
            ("gen_ai.usage.input_tokens", 900L),
            ("gen_ai.usage.output_tokens", 40L),
            ("gen_ai.usage.cache_read.input_tokens", 512L),
            ("gen_ai.system_instructions", """[{"type":"text","content":"Be terse."}]"""),
            ("gen_ai.input.messages", """[{"role":"system","parts":[{"type":"text","content":"Never say TANGERINE."}]},{"role":"user","parts":[{"type":"text","content":"hello"}]}]"""),
            ("gen_ai.output.messages", """[{"role":"assistant","parts":[{"type":"text","content":"hi"}],"finish_reason":"stop"}]"""),
            ("gen_ai.conversation.id", "conv-1")));
        Assert.Equal("azure.ai.openai", call.Provider);
        Assert.Equal("gpt-4o", call.Model);
        Assert.Equal("gpt-4o-2024-11-20", call.ModelVersion);
        Assert.Equal(512, call.CachedInputTokens);
        Assert.Equal("Be terse.", call.SystemPrompt);
        Assert.Equal("hello", call.Input);
        Assert.Equal("hi", call.Output);
        Assert.Equal("conv-1", call.SessionId);
        Assert.Equal(900, call.LatencyMs);
    }

    [Fact]
    public void OtelDeprecated_SystemAndPromptTokensAndMessageEvents_BecomeTheSameFields()
    {
        var span = Span(
            ("gen_ai.system", "openai"),
            ("gen_ai.request.model", "gpt-4o-mini"),
            ("gen_ai.usage.prompt_tokens", 30L),
            ("gen_ai.usage.completion_tokens", 5L),
            ("error.type", "RateLimitError"));
        span.StatusCode = 2;
        span.Events.Add(new OtlpEvent("gen_ai.system.message", 0, new Dictionary<string, object?> { ["content"] = "You are a bot." }));
        span.Events.Add(new OtlpEvent("gen_ai.user.message", 0, new Dictionary<string, object?> { ["content"] = "hello" }));
        var call = MapOne(span);
        Assert.Equal("openai", call.Provider);
        Assert.Equal(30, call.InputTokens);
        Assert.Equal(5, call.OutputTokens);
        Assert.Equal("You are a bot.", call.SystemPrompt);
        Assert.Equal("hello", call.Input);
        Assert.Equal(CallStatus.Error, call.Status);
        Assert.Equal(ErrorTypes.RateLimited, call.ErrorType);
    }

    [Fact]
    public void ExceptionEvent_GenericTypeWithStatusMessage_NormalisedFromTheMessage()
    {
        var span = Span(("ai.operationId", "ai.generateText.doGenerate"), ("ai.model.provider", "azure-openai.chat"), ("ai.model.id", "gpt-4o"));
        span.StatusCode = 2;
        span.StatusMessage = "Too Many Requests";
        span.Events.Add(new OtlpEvent("exception", 0, new Dictionary<string, object?> { ["exception.type"] = "AI_APICallError", ["exception.message"] = "Too Many Requests" }));
        var call = MapOne(span);
        Assert.Equal(ErrorTypes.RateLimited, call.ErrorType);
        Assert.Equal("azure.ai.openai", call.Provider);
    }

    [Theory]
    [InlineData("OpenAI", "openai")]
    [InlineData("openai.chat", "openai")]
    [InlineData("openai.responses", "openai")]
    [InlineData("azure.ai.openai", "azure.ai.openai")]
    [InlineData("az.ai.openai", "azure.ai.openai")]
    [InlineData("Azure", "azure.ai.openai")]
    [InlineData("anthropic.messages", "anthropic")]
    [InlineData("amazon-bedrock", "aws.bedrock")]
    [InlineData("google.generative-ai", "gcp.gemini")]
    [InlineData("google.vertex.chat", "gcp.vertex_ai")]
    [InlineData("mistralai", "mistral_ai")]
    [InlineData("my-own-gateway", "my-own-gateway")]
    public void ProviderAliases_EverySpelling_OneId(string raw, string expected) =>
        Assert.Equal(expected, ProviderAliases.Normalize(raw));

    [Theory]
    [InlineData("CHAIN")]
    [InlineData("RETRIEVER")]
    public void OpenInferenceWrapperSpans_AreNotCalls(string kind) =>
        Assert.False(GenAiSpanMapper.IsGenAi(Span(("openinference.span.kind", kind), ("input.value", "x"))));

    [Fact]
    public void VercelOuterSpan_WithGenAiAttributes_IsNotACall() =>
        Assert.False(GenAiSpanMapper.IsGenAi(Span(("ai.operationId", "ai.generateText"), ("gen_ai.system", "openai.chat"))));
}
