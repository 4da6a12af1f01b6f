using System.Diagnostics;
using System.Text.Json;
using Quell.Client;
using Quell.Configuration;
using Quell.Contracts;
using Quell.Pricing;
using Yarp.ReverseProxy.Forwarder;

namespace Quell.Gateway;

/// <summary>
/// One model request through the gateway: who is calling (their Quell key), what the active mitigations say about
/// it (the same enforcer as <c>Quell.Client</c>, plus caps shared by every gateway instance), forwarding to the
/// upstream with the answer streamed through untouched, and one call record to Quell afterwards.
/// </summary>
public sealed partial class GatewayHandler(
    GatewayConfig config,
    QuellConnection quell,
    ClientKeyVerifier keys,
    SharedLedgerClient ledger,
    PriceTable prices,
    IHttpForwarder forwarder,
    HttpMessageInvoker upstreamClient,
    TimeProvider time,
    ILogger<GatewayHandler> logger)
{
    private const int MaxOutputChars = 256 * 1024;
    private readonly ForwarderRequestConfig _requestConfig = new() { ActivityTimeout = config.UpstreamTimeout };

    public async Task HandleAsync(HttpContext http, GatewayDialect dialect)
    {
        var started = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        var request = http.Request;

        var key = CallerKey(request);
        if (key is null)
        {
            await GatewayErrors.WriteAsync(http, dialect, 401, "authentication_error", "missing_api_key", "send a Quell API key as 'Authorization: Bearer qk_…' (or x-api-key)").ConfigureAwait(false);
            return;
        }

        var (verdict, caller) = await keys.VerifyAsync(key, http.RequestAborted).ConfigureAwait(false);
        if (verdict == KeyVerdict.Unavailable)
        {
            http.Response.Headers.RetryAfter = "5";
            await GatewayErrors.WriteAsync(http, dialect, 503, "api_error", "quell_unavailable", "the gateway cannot reach Quell to check this key; retry shortly").ConfigureAwait(false);
            return;
        }

        if (caller is null)
        {
            await GatewayErrors.WriteAsync(http, dialect, 401, "authentication_error", "invalid_api_key", "this Quell API key is unknown or revoked").ConfigureAwait(false);
            return;
        }

        if (!caller.Has("ingest"))
        {
            await GatewayErrors.WriteAsync(http, dialect, 403, "permission_error", "missing_scope", "this Quell API key lacks the 'ingest' scope the gateway needs").ConfigureAwait(false);
            return;
        }

        var (body, bodyError, bodyStatus) = await ReadBodyAsync(request, config.MaxRequestBytes, http.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            await GatewayErrors.WriteAsync(http, dialect, bodyStatus, "invalid_request_error", bodyStatus == 413 ? "request_too_large" : "invalid_body", bodyError!).ConfigureAwait(false);
            return;
        }

        var (parsed, parseError) = GatewayRequest.Parse(dialect, body);
        if (parsed is null)
        {
            await GatewayErrors.WriteAsync(http, dialect, 400, "invalid_request_error", "invalid_body", parseError!).ConfigureAwait(false);
            return;
        }

        var headers = config.Headers;
        var tenantHeader = Header(request, headers.Tenant);
        if (caller.Tenant is { } pinned && tenantHeader is not null && tenantHeader != pinned)
        {
            await GatewayErrors.WriteAsync(http, dialect, 403, "permission_error", "tenant_mismatch", $"this key is pinned to tenant '{pinned}' and cannot send calls for '{tenantHeader}'").ConfigureAwait(false);
            return;
        }

        var requestedModel = parsed.Model!;
        var upstream = Route(requestedModel, null, dialect);
        if (upstream is null)
        {
            await GatewayErrors.WriteAsync(http, dialect, 404, "invalid_request_error", "no_upstream", $"no upstream is configured for model '{requestedModel}'").ConfigureAwait(false);
            return;
        }

        var call = new GatewayCallContext(
            Feature: Header(request, headers.Feature),
            Tenant: caller.Tenant ?? tenantHeader,
            User: Header(request, headers.User) ?? parsed.User,
            TraceId: Header(request, headers.TraceId) ?? TraceParentId(request),
            SessionId: Header(request, headers.SessionId),
            PromptVersion: Header(request, headers.PromptVersion),
            Provider: upstream.ProviderId,
            Model: requestedModel);

        var estimate = Estimate(requestedModel, parsed);
        var admission = quell.Enforcer.Admit(new CallContext(call.Feature, call.Tenant, call.User, call.TraceId, call.Provider, call.Model, parsed.Input), estimate);
        if (admission.Refusal is { } refusal)
        {
            Report(call, parsed, null, startedAt, started, null, "refused", refusal.MitigationId, null);
            await GatewayErrors.RefuseAsync(http, dialect, refusal.MitigationId, refusal.Kind, refusal.Reason, refusal.IncidentId).ConfigureAwait(false);
            return;
        }

        if (admission.CannedFallback is { } canned)
        {
            Report(call, parsed, canned.Parameters.CannedAnswer, startedAt, started, null, null, canned.Id, null);
            await GatewayErrors.CannedAsync(http, parsed, canned.Parameters.CannedAnswer ?? "", canned.Id).ConfigureAwait(false);
            return;
        }

        var model = admission.ModelOverride ?? requestedModel;
        if (admission.ModelOverride is not null)
        {
            var fallbackProvider = admission.FallbackMitigationId is { } fid ? quell.Enforcer.Snapshot.Mitigations.FirstOrDefault(m => m.Id == fid)?.Parameters.FallbackProvider : null;
            upstream = Route(model, fallbackProvider, dialect) ?? upstream;
            parsed.SetModel(model);
            http.Response.Headers["x-quell-mitigation-id"] = admission.FallbackMitigationId ?? RollbackId(call);
        }

        var (hold, refusedBy) = await ledger.ReserveAsync(SharedCaps(call), call, estimate, http.RequestAborted).ConfigureAwait(false);
        if (refusedBy is not null)
        {
            admission.Reservation?.Settle(0);
            Report(call, parsed, null, startedAt, started, null, "refused", refusedBy.Id, null);
            await GatewayErrors.RefuseAsync(http, dialect, refusedBy.Id, refusedBy.Kind, refusedBy.Reason, refusedBy.IncidentId).ConfigureAwait(false);
            return;
        }

        if (config.RequestStreamUsage)
        {
            parsed.RequestStreamUsage();
        }

        var original = http.Response.Body;
        var observer = new ObservingResponseStream(original, time, config.MaxObservedResponseBytes, MaxOutputChars);
        http.Response.Body = observer;
        ForwarderError error;
        try
        {
            // YARP forwards the request body it finds on the context, so the rewritten body goes there.
            var forwarded = parsed.ToUtf8();
            request.Body = new MemoryStream(forwarded, writable: false);
            request.ContentLength = forwarded.Length;
            var transformer = new UpstreamTransformer(upstream, upstream.ResolveKey(), observer, model);
            error = await forwarder.SendAsync(http, upstream.Url, upstreamClient, _requestConfig, transformer).ConfigureAwait(false);
            observer.Complete();
        }
        finally
        {
            http.Response.Body = original;
        }

        var answer = observer.Answer;
        var cost = answer.HasUsage ? prices.Find(answer.ResponseModel ?? model)?.Cost(answer.InputTokens, answer.OutputTokens, answer.CachedInputTokens) : null;
        admission.Reservation?.Settle(cost ?? 0);
        _ = hold!.SettleAsync(cost ?? (answer.HasUsage ? 0 : estimate));
        var status = http.Response.StatusCode;
        string? errorType = error != ForwarderError.None ? ForwarderErrorType(error) : status >= 400 ? ErrorType(status, answer.ErrorCode) : null;
        // A caller that hangs up is recorded as cancelled, not logged: it says nothing about the upstream.
        if (error is not (ForwarderError.None or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled))
        {
            LogForwardFailed(logger, upstream.Name, error, http.Features.Get<IForwarderErrorFeature>()?.Exception?.Message);
        }

        var ttft = observer.FirstByteTimestamp == 0 ? (double?)null : time.GetElapsedTime(started, observer.FirstByteTimestamp).TotalMilliseconds;
        Report(call with { Provider = upstream.ProviderId, Model = model }, parsed, answer.Output.Length > 0 ? answer.Output.ToString() : null, startedAt, started, ttft, errorType, admission.FallbackMitigationId, answer, cost);
    }

    /// <summary>Budget and loop caps that cover the call: counted on the Quell server for every instance at once.</summary>
    private IReadOnlyList<MitigationInfo> SharedCaps(GatewayCallContext call)
    {
        var mitigations = quell.Enforcer.Snapshot.Mitigations;
        if (mitigations.Count == 0)
        {
            return [];
        }

        var now = time.GetUtcNow();
        var context = Scope(call);
        return mitigations
            .Where(m => (m.Kind == "budget_cap" || (m.Kind == "loop_cap" && call.TraceId is not null)) && (m.ExpiresAt is null || m.ExpiresAt > now) && m.Scope.Matches(context))
            .ToList();
    }

    private string? RollbackId(GatewayCallContext call)
    {
        var context = Scope(call);
        return quell.Enforcer.Snapshot.Mitigations.FirstOrDefault(m => m.Kind == "rollback" && m.Scope.Matches(context))?.Id;
    }

    /// <summary>The call as a mitigation scope sees it (no input: scopes never match on text).</summary>
    private static CallContext Scope(GatewayCallContext call) => new(call.Feature, call.Tenant, call.User, call.TraceId, call.Provider, call.Model, null);

    /// <summary>The upstream for a model: one that lists it (or, for a fallback, has the provider), else the first catch-all.</summary>
    private UpstreamConfig? Route(string model, string? provider, GatewayDialect dialect)
    {
        // A plain loop: this runs for every request, and the list is short.
        UpstreamConfig? serving = null, catchAll = null;
        foreach (var u in config.Upstreams)
        {
            if (dialect == GatewayDialect.AnthropicMessages ? u.Kind != UpstreamKind.Anthropic : u.Kind == UpstreamKind.Anthropic)
            {
                continue;
            }

            if (provider is not null && (u.ProviderId == provider || u.Name == provider))
            {
                return u;
            }

            if (serving is null && u.Serves(model))
            {
                serving = u;
            }
            else if (catchAll is null && u.Models.Count == 0)
            {
                catchAll = u;
            }
        }

        return serving ?? catchAll;
    }

    /// <summary>What a budget cap sets aside before the call: input at about four characters a token plus the most output allowed.</summary>
    private double Estimate(string model, GatewayRequest request)
    {
        if (prices.Find(model) is not { } price)
        {
            return config.DefaultCallEstimateUsd;
        }

        var input = ((request.Input?.Length ?? 0) + (request.SystemPrompt?.Length ?? 0)) / 4 + 1;
        var output = request.Dialect == GatewayDialect.Embeddings ? 0 : request.MaxOutputTokens ?? 1024;
        return price.Cost(input, output, 0);
    }

    private void Report(GatewayCallContext call, GatewayRequest request, string? output, DateTimeOffset startedAt, long started, double? ttft, string? errorType, string? mitigationId, ObservedAnswer? answer, double? cost = null)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["quell.source"] = "gateway" };
        if (mitigationId is not null)
        {
            attributes["quell.mitigation_id"] = mitigationId;
        }

        if (answer?.ResponseModel is { } responseModel)
        {
            attributes["gen_ai.response.model"] = responseModel;
        }

        if (request.Model != call.Model && request.Model is not null)
        {
            attributes["gen_ai.request.model"] = request.Model;
        }

        var content = config.ReportContent;
        quell.Report(new CallReport
        {
            Id = Guid.NewGuid().ToString("N"),
            Timestamp = startedAt,
            Tenant = call.Tenant,
            User = call.User,
            Feature = call.Feature,
            Operation = request.Operation,
            Provider = call.Provider,
            Model = call.Model,
            PromptVersion = call.PromptVersion,
            TraceId = call.TraceId,
            SessionId = call.SessionId,
            LatencyMs = errorType == "refused" ? 0 : time.GetElapsedTime(started).TotalMilliseconds,
            TtftMs = request.Stream ? ttft : null,
            InputTokens = answer?.InputTokens ?? 0,
            OutputTokens = answer?.OutputTokens ?? 0,
            CachedInputTokens = answer?.CachedInputTokens ?? 0,
            CostUsd = cost,
            Status = errorType is null ? "ok" : "error",
            ErrorType = errorType,
            Input = content ? request.Input : null,
            Output = content ? output : null,
            SystemPrompt = content ? request.SystemPrompt : null,
            Attributes = attributes,
        });
    }

    private static string ErrorType(int status, string? code) => status switch
    {
        429 => code is "insufficient_quota" ? "quota_exceeded" : "rate_limited",
        408 or 504 => "timeout",
        400 when code is "content_filter" or "content_policy_violation" => "content_filter",
        401 or 403 => "auth_error",
        >= 500 => "server_error",
        _ => "invalid_request",
    };

    private static string ForwarderErrorType(ForwarderError error) => error switch
    {
        ForwarderError.RequestTimedOut or ForwarderError.ResponseBodyCanceled => "timeout",
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled => "cancelled",
        _ => "upstream_unreachable",
    };

    private static string? CallerKey(HttpRequest request)
    {
        var auth = request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && auth.Length > 7)
        {
            return auth[7..].Trim();
        }

        return Header(request, "x-api-key") ?? Header(request, "api-key");
    }

    private static string? Header(HttpRequest request, string name)
    {
        var v = request.Headers[name].ToString();
        return v.Length is > 0 and <= 256 ? v : null;
    }

    /// <summary>The trace id of a W3C traceparent header, so traced callers get loop caps without extra headers.</summary>
    private static string? TraceParentId(HttpRequest request)
    {
        var tp = request.Headers["traceparent"].ToString();
        return tp.Length >= 55 && tp[2] == '-' && tp[35] == '-' ? tp[3..35] : null;
    }

    /// <summary>The body under the gateway's cap, read by the server's one bounded reader (which also undoes gzip, deflate, br).</summary>
    private static async Task<(byte[]? Body, string? Error, int Status)> ReadBodyAsync(HttpRequest request, int max, CancellationToken ct)
    {
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, "send the body as application/json", 415);
        }

        var read = await Server.RequestBody.ReadAsync(request, max, ct).ConfigureAwait(false);
        try
        {
            return read.Bytes is null ? (null, read.Error, read.Status) : (read.Memory.ToArray(), null, 200);
        }
        finally
        {
            read.Return();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding to upstream {Upstream} failed: {Error} {Detail}")]
    private static partial void LogForwardFailed(ILogger logger, string upstream, ForwarderError error, string? detail);
}
