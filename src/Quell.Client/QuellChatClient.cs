using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace Quell.Client;

/// <summary>
/// A chat client that enforces Quell's active mitigations before each call and reports each call to Quell as a
/// native call record afterwards. Refusals throw <see cref="QuellRefusedException"/> (or return a response carrying
/// the refusal when <see cref="QuellClientOptions.RefuseWithResponse"/> is set); canned fallbacks answer directly.
/// </summary>
public sealed class QuellChatClient : DelegatingChatClient
{
    private readonly QuellConnection _connection;
    private readonly bool _ownsConnection;
    private readonly QuellClientOptions _options;

    public QuellChatClient(IChatClient innerClient, QuellConnection connection, bool ownsConnection = false)
        : base(innerClient)
    {
        _connection = connection;
        _ownsConnection = ownsConnection;
        _options = connection.Options;
    }

    public QuellConnection Connection => _connection;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var call = Context(list, options);
        var admission = _connection.Enforcer.Admit(call, _options.EstimatedCostPerCallUsd);
        if (admission.Refusal is { } refusal)
        {
            Report(call, options, null, 0, "refused", refusal.MitigationId);
            return _options.RefuseWithResponse ? RefusalResponse(refusal) : throw new QuellRefusedException(refusal);
        }

        if (admission.CannedFallback is { } canned)
        {
            Report(call, options, canned.Parameters.CannedAnswer, 0, null, canned.Id);
            return Canned(canned);
        }

        var effective = Rewrite(options, admission);
        var start = _options.Time.GetTimestamp();
        ChatResponse? response = null;
        Exception? failure = null;
        try
        {
            response = await base.GetResponseAsync(list, effective, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (Exception ex) when (Remember(ex, out failure))
        {
            throw;
        }
        finally
        {
            var elapsed = _options.Time.GetElapsedTime(start);
            var cost = Cost(effective?.ModelId ?? response?.ModelId, response?.Usage);
            admission.Reservation?.Settle(cost ?? 0);
            Report(WithModels(call, effective, response?.ModelId), effective, response?.Text, elapsed.TotalMilliseconds, response is null ? ErrorTypeOf(failure) : null, admission.FallbackMitigationId, response?.Usage, cost);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var call = Context(list, options);
        var admission = _connection.Enforcer.Admit(call, _options.EstimatedCostPerCallUsd);
        if (admission.Refusal is { } refusal)
        {
            Report(call, options, null, 0, "refused", refusal.MitigationId);
            if (!_options.RefuseWithResponse)
            {
                throw new QuellRefusedException(refusal);
            }

            foreach (var u in RefusalResponse(refusal).ToChatResponseUpdates())
            {
                yield return u;
            }

            yield break;
        }

        if (admission.CannedFallback is { } canned)
        {
            Report(call, options, canned.Parameters.CannedAnswer, 0, null, canned.Id);
            foreach (var u in Canned(canned).ToChatResponseUpdates())
            {
                yield return u;
            }

            yield break;
        }

        var effective = Rewrite(options, admission);
        var start = _options.Time.GetTimestamp();
        var updates = new List<ChatResponseUpdate>();
        var completed = false;
        double? ttftMs = null;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(list, effective, cancellationToken).ConfigureAwait(false))
            {
                ttftMs ??= _options.Time.GetElapsedTime(start).TotalMilliseconds;
                updates.Add(update);
                yield return update;
            }

            completed = true;
        }
        finally
        {
            var response = updates.ToChatResponse();
            var cost = Cost(effective?.ModelId ?? response.ModelId, response.Usage);
            admission.Reservation?.Settle(cost ?? 0);
            Report(WithModels(call, effective, response.ModelId), effective, response.Text, _options.Time.GetElapsedTime(start).TotalMilliseconds, completed ? null : "error", admission.FallbackMitigationId, response.Usage, cost, ttftMs);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsConnection)
        {
            _connection.Dispose();
        }

        base.Dispose(disposing);
    }

    private CallContext Context(IList<ChatMessage> messages, ChatOptions? options)
    {
        string? Prop(string key) => options?.AdditionalProperties?.TryGetValue(key, out var v) == true ? v?.ToString() : null;
        var feature = _options.FeatureSelector?.Invoke(options) ?? Prop(QuellClientOptions.FeatureKey) ?? _options.Feature;
        var tenant = _options.TenantSelector?.Invoke(options) ?? Prop(QuellClientOptions.TenantKey);
        var user = _options.UserSelector?.Invoke(options) ?? Prop(QuellClientOptions.UserKey);
        var trace = _options.TraceIdSelector?.Invoke(options) ?? Prop(QuellClientOptions.TraceIdKey) ?? (Activity.Current is { } a ? a.TraceId.ToHexString() : null);
        var input = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text;
        return new CallContext(feature, tenant, user, trace, _options.Provider, options?.ModelId, input) { SystemPrompt = SystemPrompt(messages, options) };
    }

    /// <summary>System-role messages and <see cref="ChatOptions.Instructions"/>: what system-prompt leak detection compares outputs with.</summary>
    private static string? SystemPrompt(IList<ChatMessage> messages, ChatOptions? options)
    {
        var parts = new List<string>();
        if (options?.Instructions is { Length: > 0 } instructions)
        {
            parts.Add(instructions);
        }

        foreach (var m in messages)
        {
            if (m.Role == ChatRole.System && m.Text is { Length: > 0 } text)
            {
                parts.Add(text);
            }
        }

        return parts.Count == 0 ? null : string.Join("\n", parts);
    }

    /// <summary>As the OTLP path stores them: the requested model as model, the one that answered as model_version when it differs.</summary>
    private static CallContext WithModels(CallContext call, ChatOptions? effective, string? responseModel)
    {
        var requested = effective?.ModelId ?? call.Model ?? responseModel;
        return call with { Model = requested, ResponseModel = responseModel != requested ? responseModel : null };
    }

    private static bool Remember(Exception ex, out Exception? failure)
    {
        failure = ex;
        return false;
    }

    /// <summary>What the server normalises into rate_limited, server_error, timeout …: the HTTP status when the vendor SDK gives one.</summary>
    private static string ErrorTypeOf(Exception? failure) => failure switch
    {
        null => "error",
        HttpRequestException { StatusCode: { } status } => ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
        TimeoutException or TaskCanceledException => "timeout",
        // Vendor SDKs put the HTTP status in the message ("Status: 429 (Too Many Requests)"); the server reads it there.
        _ => (failure.GetType().Name + ": " + failure.Message) is var text && text.Length > 200 ? text[..200] : text,
    };

    private static ChatOptions? Rewrite(ChatOptions? options, Admission admission)
    {
        if (admission.ModelOverride is null && admission.PinnedPromptVersion is null)
        {
            return options;
        }

        var copy = options?.Clone() ?? new ChatOptions();
        if (admission.ModelOverride is not null)
        {
            copy.ModelId = admission.ModelOverride;
        }

        if (admission.PinnedPromptVersion is not null)
        {
            copy.AdditionalProperties ??= [];
            copy.AdditionalProperties[QuellClientOptions.PinnedPromptVersionKey] = admission.PinnedPromptVersion;
        }

        return copy;
    }

    private double? Cost(string? model, UsageDetails? usage) =>
        _options.CostCalculator is { } calc ? calc(model, usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0) : null;

    private static ChatResponse Canned(MitigationInfo m) => new(new ChatMessage(ChatRole.Assistant, m.Parameters.CannedAnswer))
    {
        FinishReason = ChatFinishReason.Stop,
        AdditionalProperties = new() { [QuellClientOptions.MitigationIdKey] = m.Id },
    };

    private ChatResponse RefusalResponse(MitigationRefusal refusal) => new(new ChatMessage(ChatRole.Assistant, _options.RefusalText))
    {
        FinishReason = ChatFinishReason.ContentFilter,
        AdditionalProperties = new() { [QuellClientOptions.MitigationIdKey] = refusal.MitigationId, ["quell.refusal"] = refusal },
    };

    private void Report(CallContext call, ChatOptions? options, string? output, double latencyMs, string? error, string? mitigationId, UsageDetails? usage = null, double? cost = null, double? ttftMs = null)
    {
        var attributes = mitigationId is null ? null : new Dictionary<string, string> { ["quell.mitigation_id"] = mitigationId };
        string? Prop(string key) => options?.AdditionalProperties?.TryGetValue(key, out var v) == true ? v?.ToString() : null;
        _connection.Report(new CallReport
        {
            Id = Guid.NewGuid().ToString("N"),
            Timestamp = _options.Time.GetUtcNow(),
            Tenant = call.Tenant,
            User = call.User,
            Feature = call.Feature,
            Provider = call.Provider,
            Model = call.Model,
            ModelVersion = call.ResponseModel,
            PromptVersion = Prop(QuellClientOptions.PinnedPromptVersionKey) ?? Prop(QuellClientOptions.PromptVersionKey),
            TraceId = call.TraceId,
            LatencyMs = Math.Max(0, latencyMs),
            TtftMs = ttftMs,
            InputTokens = usage?.InputTokenCount ?? 0,
            OutputTokens = usage?.OutputTokenCount ?? 0,
            CachedInputTokens = Math.Min(usage?.CachedInputTokenCount ?? 0, usage?.InputTokenCount ?? 0),
            CostUsd = cost,
            Status = error is null ? "ok" : "error",
            ErrorType = error,
            Input = _options.ReportContent ? call.Input : null,
            Output = _options.ReportContent ? output : null,
            SystemPrompt = _options.ReportContent ? call.SystemPrompt : null,
            Attributes = attributes,
        });
    }
}

/// <summary>Adds Quell to a Microsoft.Extensions.AI chat pipeline.</summary>
public static class QuellChatClientBuilderExtensions
{
    /// <summary>Adds a <see cref="QuellChatClient"/> with its own connection, configured by <paramref name="configure"/>.</summary>
    public static ChatClientBuilder UseQuell(this ChatClientBuilder builder, Action<QuellClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.Use(inner =>
        {
            var options = new QuellClientOptions();
            configure(options);
            return new QuellChatClient(inner, new QuellConnection(options), ownsConnection: true);
        });
    }

    /// <summary>Adds a <see cref="QuellChatClient"/> over a connection shared with other clients.</summary>
    public static ChatClientBuilder UseQuell(this ChatClientBuilder builder, QuellConnection connection)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new QuellChatClient(inner, connection));
    }
}
