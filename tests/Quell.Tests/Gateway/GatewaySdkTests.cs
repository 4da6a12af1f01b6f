using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using Quell.Calls;

namespace Quell.Tests.Gateway;

/// <summary>
/// The official OpenAI .NET SDK pointed at a real gateway, which forwards to a mock vendor and reports to a real
/// Quell server: plain, streamed, tool-calling and embedding requests, then a kill switch and a fallback applied
/// through the control plane while traffic runs.
/// </summary>
public sealed class GatewaySdkTests : IAsyncLifetime
{
    private GatewayEnvironment _env = null!;

    public async Task InitializeAsync() => _env = await GatewayEnvironment.StartAsync();

    public async Task DisposeAsync() => await _env.DisposeAsync();

    private OpenAIClientOptions Options(string feature, string tenant = "acme") => new OpenAIClientOptions { Endpoint = new Uri(_env.GatewayAddress(), "/v1"), RetryPolicy = new ClientRetryPolicy(0) }
        .With(new HeaderPolicy(new Dictionary<string, string> { ["x-quell-feature"] = feature, ["x-quell-tenant"] = tenant, ["x-quell-user"] = "u-1" }));

    private ChatClient Chat(string feature, string model = "gpt-4o-mini") => new(model, new ApiKeyCredential(_env.ClientKey), Options(feature));

    [Fact]
    public async Task ChatCompletion_ThroughGateway_AnswersAndRecordsEveryFigure()
    {
        var completion = (await Chat("support_chat").CompleteChatAsync([new SystemChatMessage("You are terse."), new UserChatMessage("Say hello")])).Value;

        Assert.Equal("Hello from the mock.", completion.Content[0].Text);
        var upstream = Assert.Single(_env.Upstream.Requests);
        Assert.Equal("Bearer " + GatewayEnvironment.UpstreamKey, upstream.Authorization);
        Assert.DoesNotContain(_env.ClientKey, string.Join(" ", upstream.Headers.Values));
        Assert.False(upstream.Headers.ContainsKey("x-quell-tenant"));

        var call = Assert.Single(await _env.StoredCallsAsync("support_chat")).Call;
        Assert.Equal("acme", call.Tenant);
        Assert.Equal("u-1", call.User);
        Assert.Equal("openai", call.Provider);
        Assert.Equal("gpt-4o-mini", call.Model);
        Assert.Equal("chat", call.Operation);
        Assert.Equal(MockModelServer.PromptTokens, call.InputTokens);
        Assert.Equal(MockModelServer.CompletionTokens, call.OutputTokens);
        Assert.Equal(MockModelServer.CachedTokens, call.CachedInputTokens);
        Assert.Equal(CallStatus.Ok, call.Status);
        Assert.Equal("You are terse.", call.SystemPrompt);
        Assert.Equal("Say hello", call.Input);
        Assert.Equal("Hello from the mock.", call.Output);
        Assert.True(call.LatencyMs > 0);
        Assert.True(call.CostUsd > 0);
        Assert.Contains("gpt-4o-mini-2024-07-18", call.AttributesJson);
    }

    [Fact]
    public async Task StreamedChat_PassesChunksThrough_RecordsUsageAndTimeToFirstToken()
    {
        var text = new System.Text.StringBuilder();
        await foreach (var update in Chat("support_chat").CompleteChatStreamingAsync([new UserChatMessage("Say hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("Hello from the mock.", text.ToString());
        Assert.True(Assert.Single(_env.Upstream.Requests).Body["stream_options"]?["include_usage"]?.GetValue<bool>());
        var call = Assert.Single(await _env.StoredCallsAsync("support_chat")).Call;
        Assert.Equal(MockModelServer.PromptTokens, call.InputTokens);
        Assert.Equal(MockModelServer.CompletionTokens, call.OutputTokens);
        Assert.Equal(MockModelServer.CachedTokens, call.CachedInputTokens);
        Assert.NotNull(call.TtftMs);
        Assert.True(call.TtftMs <= call.LatencyMs);
        Assert.Equal("Hello from the mock.", call.Output);
    }

    [Fact]
    public async Task ToolCall_ReachesTheCallerUnchanged()
    {
        var options = new ChatCompletionOptions();
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Weather of a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")));

        var completion = (await Chat("agent").CompleteChatAsync([new UserChatMessage("Weather in Paris?")], options)).Value;

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var tool = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", tool.FunctionName);
        Assert.Equal("""{"city":"Paris"}""", tool.FunctionArguments.ToString());
        Assert.Single(await _env.StoredCallsAsync("agent"));
    }

    [Fact]
    public async Task Embedding_IsRecordedAsAnEmbeddingsCall()
    {
        var client = new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential(_env.ClientKey), Options("doc_search"));

        var embedding = (await client.GenerateEmbeddingAsync("hello")).Value;

        Assert.Equal(3, embedding.ToFloats().Length);
        var call = Assert.Single(await _env.StoredCallsAsync("doc_search")).Call;
        Assert.Equal("embeddings", call.Operation);
        Assert.Equal(MockModelServer.PromptTokens, call.InputTokens);
    }

    [Fact]
    public async Task KillSwitch_AppliedMidTraffic_RefusesWith503NamingTheMitigation()
    {
        var chat = Chat("support_chat");
        await chat.CompleteChatAsync([new UserChatMessage("before")]);

        var id = await _env.ApplyAsync(new { kind = "disable", scope = new { feature = "support_chat" }, reason = "leaking PII", mode = "apply" });
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("after")]));
        var other = await Chat("doc_search").CompleteChatAsync([new UserChatMessage("another feature")]);

        Assert.Equal(503, refused.Status);
        Assert.Contains(id, refused.Message);
        Assert.Equal("kill_switch", refused.GetRawResponse()!.Content.ToObjectFromJson<Dictionary<string, Dictionary<string, object>>>()!["error"]["code"].ToString());
        Assert.NotNull(other.Value);
        Assert.Equal(2, _env.Upstream.Requests.Count);
        var calls = await _env.StoredCallsAsync("support_chat");
        Assert.Contains(calls, c => c.Call.ErrorType == "refused" && c.Call.AttributesJson!.Contains(id));
    }

    [Fact]
    public async Task Fallback_AppliedMidTraffic_RoutesToTheFallbackModel()
    {
        var chat = Chat("support_chat", "gpt-4o");
        await chat.CompleteChatAsync([new UserChatMessage("before")]);

        var id = await _env.ApplyAsync(new { kind = "fallback", scope = new { feature = "support_chat" }, parameters = new { fallback_model = "gpt-4o-mini" }, reason = "vendor latency", mode = "apply" });
        await chat.CompleteChatAsync([new UserChatMessage("after")]);

        var models = _env.Upstream.Requests.Select(r => r.Body["model"]!.GetValue<string>()).ToList();
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], models);
        var calls = (await _env.StoredCallsAsync("support_chat")).Select(c => c.Call).OrderBy(c => c.Timestamp).ToList();
        Assert.Equal("gpt-4o-mini", calls[1].Model);
        Assert.Contains(id, calls[1].AttributesJson);
    }

    [Fact]
    public async Task UnknownKey_IsRefusedWith401()
    {
        var chat = new ChatClient("gpt-4o-mini", new ApiKeyCredential("qk_not_a_key"), Options("support_chat"));

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(401, refused.Status);
        Assert.Empty(_env.Upstream.Requests);
    }

    /// <summary>Adds the Quell headers an application sets to say who a call serves.</summary>
    internal sealed class HeaderPolicy(IReadOnlyDictionary<string, string> headers) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Add(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Add(message);
            await ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Add(PipelineMessage message)
        {
            foreach (var (k, v) in headers)
            {
                message.Request.Headers.Set(k, v);
            }
        }
    }
}

internal static class OpenAIClientOptionsExtensions
{
    public static OpenAIClientOptions With(this OpenAIClientOptions options, PipelinePolicy policy)
    {
        options.AddPolicy(policy, PipelinePosition.PerCall);
        return options;
    }
}
