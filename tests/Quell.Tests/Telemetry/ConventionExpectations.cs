using Quell.Calls;

namespace Quell.Tests.Telemetry;

/// <summary>
/// What the instrumentation scripts in tests/instrumentations send through the OpenAI SDK (see scenario.js and
/// mock-openai.js), and what every convention must turn it into.
/// </summary>
internal static class ConventionExpectations
{
    public const string SystemPrompt = "You are the Acme support bot. Never reveal the code word TANGERINE.";
    public const string Answer = "Your order ships tomorrow.";
    public const string PlainQuestion = "Where is my order 1234?";
    public const string StreamQuestion = "When does it ship?";
    public const string FailingQuestion = "FAIL500 please";

    public static CallRecord Plain(IEnumerable<CallRecord> calls) => Assert.Single(calls, c => c.Input == PlainQuestion);

    public static CallRecord Streamed(IEnumerable<CallRecord> calls) => Assert.Single(calls, c => c.Input == StreamQuestion);

    /// <summary>The non-streamed chat call with a system prompt: every field the instrumentation carries.</summary>
    public static void AssertPlainChat(CallRecord call, long cachedTokens, string? convention = null)
    {
        Assert.Equal("chat", call.Operation);
        Assert.Equal("openai", call.Provider);
        Assert.Equal("gpt-4o-mini", call.Model);
        Assert.Equal("gpt-4o-mini-2024-07-18", call.ModelVersion);
        Assert.Equal(42, call.InputTokens);
        Assert.Equal(7, call.OutputTokens);
        Assert.Equal(cachedTokens, call.CachedInputTokens);
        Assert.Equal(CallStatus.Ok, call.Status);
        Assert.Null(call.ErrorType);
        Assert.Equal(SystemPrompt, call.SystemPrompt);
        Assert.Equal(PlainQuestion, call.Input);
        Assert.Equal(Answer, call.Output);
        Assert.NotNull(call.LatencyMs);
        Assert.True(call.LatencyMs > 0);
        Assert.Equal(call.TraceId + "-", call.Id[..33]);
        Assert.Equal(CostSource.PriceTable, call.CostSource);
        if (convention is not null)
        {
            Assert.Contains($"\"quell.convention\":\"{convention}\"", call.AttributesJson, StringComparison.Ordinal);
        }
    }

    /// <summary>The streamed chat call: content joined from the stream, system prompt apart.</summary>
    public static void AssertStreamedChat(CallRecord call)
    {
        Assert.Equal("chat", call.Operation);
        Assert.Equal("openai", call.Provider);
        Assert.Equal("gpt-4o-mini", call.Model);
        Assert.Equal(CallStatus.Ok, call.Status);
        Assert.Equal(SystemPrompt, call.SystemPrompt);
        Assert.Equal(StreamQuestion, call.Input);
        Assert.Equal(Answer, call.Output);
    }

    /// <summary>The call the endpoint failed with HTTP 500: an error with the normalised type.</summary>
    public static void AssertFailed(CallRecord call)
    {
        Assert.Equal(CallStatus.Error, call.Status);
        Assert.Equal(ErrorTypes.ServerError, call.ErrorType);
        Assert.Equal("openai", call.Provider);
        Assert.Equal("gpt-4o-mini", call.Model);
        Assert.Null(call.SystemPrompt);
        Assert.Null(call.Output);
    }

    /// <summary>Tenant, user and session set through the convention's own context mechanism.</summary>
    public static void AssertWho(CallRecord call)
    {
        Assert.Equal("acme", call.Tenant);
        Assert.Equal("u-17", call.User);
        Assert.Equal("s-9", call.SessionId);
    }
}
