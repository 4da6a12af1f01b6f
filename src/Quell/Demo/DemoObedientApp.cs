using Microsoft.Extensions.AI;
using Quell.Client;
using Quell.Simulation;

namespace Quell.Demo;

/// <summary>
/// The simulated application's model calls go through a real Quell.Client pipeline (<c>UseQuell</c>) so that it obeys
/// the control plane exactly as a production app would: refusals drop the call, pins and fallbacks reroute it,
/// canned answers replace it. Call reporting stays with the demo's sender; the client only enforces.
/// </summary>
public sealed class DemoObedientApp : IAsyncDisposable
{
    private readonly QuellConnection _connection;
    private readonly IChatClient _client;
    private readonly SimulatedModel _model = new();

    public DemoObedientApp(Uri quell, TimeProvider clock, string apiKey)
    {
        _connection = new QuellConnection(new QuellClientOptions
        {
            Endpoint = quell,
            ApiKey = apiKey,
            ReportCalls = false,
            FollowMitigations = true,
            LongPollWait = TimeSpan.FromSeconds(5),
            Time = clock,
            EstimatedCostPerCallUsd = 0.001,
        });
        _client = new ChatClientBuilder(_model).UseQuell(_connection).Build();
    }

    public long Refused { get; private set; }

    /// <summary>Waits until the client has seen the control plane's version (after a mitigation changes).</summary>
    public Task SyncAsync(long version, CancellationToken ct) => _connection.WaitForVersionAsync(version, ct);

    /// <summary>Asks the client whether the call may go ahead, and with which model and prompt version.</summary>
    public bool Admit(CallDraft call)
    {
        // Every call goes through the client, mitigated or not: loop caps count each trace's calls from its first.
        var options = new ChatOptions
        {
            ModelId = call.Endpoint.Model,
            AdditionalProperties = new AdditionalPropertiesDictionary
            {
                [QuellClientOptions.TenantKey] = call.Tenant.Name,
                [QuellClientOptions.UserKey] = call.User,
                [QuellClientOptions.FeatureKey] = call.Feature.Name,
                [QuellClientOptions.TraceIdKey] = call.TraceId,
                [QuellClientOptions.PromptVersionKey] = call.PromptVersion,
            },
        };
        ChatResponse response;
        try
        {
            // The simulated model answers synchronously, so this completes without blocking on I/O.
            response = _client.GetResponseAsync([new ChatMessage(ChatRole.User, call.Input ?? string.Empty)], options).GetAwaiter().GetResult();
        }
        catch (QuellRefusedException)
        {
            Refused++;
            return false;
        }

        if (response.AdditionalProperties?.ContainsKey(QuellClientOptions.MitigationIdKey) == true && _model.LastOptions is null)
        {
            call.CannedAnswer = response.Text;
            return true;
        }

        var seen = _model.LastOptions;
        _model.LastOptions = null;
        if (seen?.ModelId is { } snapshot && snapshot != call.Endpoint.Model && snapshot.StartsWith(call.Endpoint.Model + "-", StringComparison.Ordinal))
        {
            // A pin to a dated snapshot of the same model: same provider and region, a fixed version.
            call.Endpoint = call.Endpoint with { Model = snapshot, ModelVersion = snapshot };
            call.ModelPinned = true;
        }
        else if (seen?.ModelId is { } model && model != call.Endpoint.Model)
        {
            // A fallback route: another model, served by another provider in another region.
            call.Endpoint = call.Endpoint with { Model = model, ModelVersion = model, Provider = model.StartsWith("claude", StringComparison.Ordinal) ? "anthropic" : model.StartsWith("gemini", StringComparison.Ordinal) ? "google" : "openai", Region = "us-east" };
            call.ModelPinned = true;
        }

        if (seen?.AdditionalProperties?.TryGetValue(QuellClientOptions.PinnedPromptVersionKey, out var pinned) == true && pinned is string version)
        {
            call.PromptVersion = version;
            call.PromptPinned = true;
        }

        return true;
    }

    /// <summary>
    /// Asks the client whether one request to the application's own endpoint may be served (the endpoint the
    /// isolation probes query): kill switches, blocks and fallbacks apply to it as to every other call.
    /// </summary>
    public bool AdmitRequest(string feature, string tenant, string user, string traceId)
    {
        var options = new ChatOptions
        {
            AdditionalProperties = new AdditionalPropertiesDictionary
            {
                [QuellClientOptions.TenantKey] = tenant,
                [QuellClientOptions.UserKey] = user,
                [QuellClientOptions.FeatureKey] = feature,
                [QuellClientOptions.TraceIdKey] = traceId,
            },
        };
        try
        {
            var response = _client.GetResponseAsync([new ChatMessage(ChatRole.User, "What is in my workspace?")], options).GetAwaiter().GetResult();
            var served = _model.LastOptions is not null || response.AdditionalProperties?.ContainsKey(QuellClientOptions.MitigationIdKey) != true;
            _model.LastOptions = null;
            return served;
        }
        catch (QuellRefusedException)
        {
            Refused++;
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The model behind the client: answers at once and remembers what the client asked it for.</summary>
    private sealed class SimulatedModel : IChatClient
    {
        public ChatOptions? LastOptions { get; set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            LastOptions = options;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { ModelId = options?.ModelId });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
