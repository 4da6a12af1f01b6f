using Microsoft.Extensions.AI;
using Quell.Calls;
using Quell.Client;
using Quell.Storage;
using Quell.Tests.Server;

namespace Quell.Tests.Client;

/// <summary>Quell.Client reports the same fields the OTLP path stores: system prompt, cached tokens, request and response model.</summary>
public sealed class ClientReportFieldsTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Report_SystemRoleMessage_BecomesSystemPromptWithCachedTokensAndBothModels()
    {
        await using var server = await QuellTestServer.StartAsync();
        await using var connection = new QuellConnection(Telemetry.ServerKeys.ClientOptions(server));
        using var chat = new ChatClientBuilder(new VersionedModel()).UseQuell(connection).Build();

        await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are the Acme bot. Code word TANGERINE."), new ChatMessage(ChatRole.User, "Where is my order?")],
            new ChatOptions { ModelId = "gpt-4o", Instructions = "Answer in English." });
        await connection.FlushAsync().WaitAsync(Guard);

        var call = Assert.Single(await server.Service<ICallLog>().QueryAsync(new CallQuery { Feature = "support_chat" })).Call;
        Assert.Equal("Answer in English.\nYou are the Acme bot. Code word TANGERINE.", call.SystemPrompt);
        Assert.Equal("Where is my order?", call.Input);
        Assert.Equal("gpt-4o", call.Model);
        Assert.Equal("gpt-4o-2024-08-06", call.ModelVersion);
        Assert.Equal(1000, call.InputTokens);
        Assert.Equal(400, call.CachedInputTokens);
        Assert.Equal(50, call.OutputTokens);
        Assert.Equal(CallStatus.Ok, call.Status);
    }

    [Fact]
    public async Task Report_StreamedCall_KeepsTimeToFirstTokenAndCachedTokens()
    {
        await using var server = await QuellTestServer.StartAsync();
        await using var connection = new QuellConnection(Telemetry.ServerKeys.ClientOptions(server));
        using var chat = new ChatClientBuilder(new VersionedModel()).UseQuell(connection).Build();

        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "gpt-4o" }))
        {
            Assert.NotNull(update);
        }

        await connection.FlushAsync().WaitAsync(Guard);
        var call = Assert.Single(await server.Service<ICallLog>().QueryAsync(new CallQuery { Feature = "support_chat" })).Call;
        Assert.Equal("Be brief.", call.SystemPrompt);
        Assert.Equal(400, call.CachedInputTokens);
        Assert.Equal("gpt-4o-2024-08-06", call.ModelVersion);
        Assert.NotNull(call.TtftMs);
        Assert.True(call.TtftMs <= call.LatencyMs);
    }

    [Fact]
    public async Task Report_VendorThrows429_StoredAsRateLimited()
    {
        await using var server = await QuellTestServer.StartAsync();
        await using var connection = new QuellConnection(Telemetry.ServerKeys.ClientOptions(server));
        using var chat = new ChatClientBuilder(new VersionedModel { Failure = new HttpRequestException("rate limited", null, System.Net.HttpStatusCode.TooManyRequests) }).UseQuell(connection).Build();

        await Assert.ThrowsAsync<HttpRequestException>(() => chat.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-4o" }));
        await connection.FlushAsync().WaitAsync(Guard);

        var call = Assert.Single(await server.Service<ICallLog>().QueryAsync(new CallQuery { Feature = "support_chat" })).Call;
        Assert.Equal(CallStatus.Error, call.Status);
        Assert.Equal(ErrorTypes.RateLimited, call.ErrorType);
        Assert.Equal("gpt-4o", call.Model);
    }

    /// <summary>A model that answers from a dated snapshot with part of the prompt served from the cache.</summary>
    private sealed class VersionedModel : IChatClient
    {
        public Exception? Failure { get; init; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (Failure is not null)
            {
                throw Failure;
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "It ships tomorrow."))
            {
                ModelId = "gpt-4o-2024-08-06",
                Usage = new UsageDetails { InputTokenCount = 1000, CachedInputTokenCount = 400, OutputTokenCount = 50 },
            });
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var u in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
            {
                yield return u;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
