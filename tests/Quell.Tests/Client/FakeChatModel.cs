using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Quell.Tests.Client;

/// <summary>A model that answers "echo: …" with fixed usage and records the model id each call asked for.</summary>
public sealed class FakeChatModel : IChatClient
{
    private int _inFlight;
    private int _maxInFlight;

    public ConcurrentQueue<string?> ModelIds { get; } = new();

    public int Calls => ModelIds.Count;

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while ((seen = Volatile.Read(ref _maxInFlight)) < now && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }

        ModelIds.Enqueue(options?.ModelId);
        await Task.Yield();
        Interlocked.Decrement(ref _inFlight);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo: " + messages.Last().Text))
        {
            ModelId = options?.ModelId ?? "gpt-4o",
            Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 20 },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var u in response.ToChatResponseUpdates())
        {
            yield return u;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
