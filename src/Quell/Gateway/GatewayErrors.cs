using System.Text.Json;

namespace Quell.Gateway;

/// <summary>
/// Answers the gateway writes itself, in the caller's API dialect so SDKs surface them as ordinary API errors:
/// refusals name the mitigation (body and <c>x-quell-mitigation-id</c>), and carry <c>x-should-retry: false</c>
/// where retrying cannot help, which the OpenAI and Anthropic SDKs honour.
/// </summary>
internal static class GatewayErrors
{
    public static Task WriteAsync(HttpContext http, GatewayDialect dialect, int status, string type, string code, string message, IReadOnlyDictionary<string, string?>? extra = null)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (dialect == GatewayDialect.AnthropicMessages)
            {
                w.WriteString("type", "error");
            }

            w.WriteStartObject("error");
            w.WriteString("type", dialect == GatewayDialect.AnthropicMessages && status == 503 ? "overloaded_error" : type);
            w.WriteString("code", code);
            w.WriteString("message", message);
            foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
            {
                if (v is not null)
                {
                    w.WriteString(k, v);
                }
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).AsTask();
    }

    /// <summary>A mitigation refused the call: kill switch 503, block 403, rate/budget/loop caps 429.</summary>
    public static Task RefuseAsync(HttpContext http, GatewayDialect dialect, string mitigationId, string kind, string reason, string? incidentId)
    {
        var (status, code, retry) = kind switch
        {
            "disable" => (503, "kill_switch", false),
            "block" => (403, "blocked", false),
            "rate_limit" => (429, "rate_limited", true),
            "budget_cap" => (429, "budget_exceeded", false),
            "loop_cap" => (429, "loop_cap_reached", false),
            _ => (503, kind, false),
        };
        http.Response.Headers["x-quell-mitigation-id"] = mitigationId;
        http.Response.Headers["x-should-retry"] = retry ? "true" : "false";
        if (retry)
        {
            http.Response.Headers.RetryAfter = "1";
        }

        var message = $"refused by Quell mitigation {mitigationId} ({kind}): {reason}";
        return WriteAsync(http, dialect, status, status == 403 ? "permission_error" : status == 429 ? "rate_limit_error" : "api_error", code, message,
            new Dictionary<string, string?> { ["mitigation_id"] = mitigationId, ["incident_id"] = incidentId });
    }

    /// <summary>A fallback with a canned answer: a well-formed completion in the caller's dialect, streamed if asked.</summary>
    public static async Task CannedAsync(HttpContext http, GatewayRequest request, string text, string mitigationId)
    {
        http.Response.Headers["x-quell-mitigation-id"] = mitigationId;
        var id = "quell-" + Guid.NewGuid().ToString("N")[..24];
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var model = request.Model ?? "quell-fallback";
        if (request.Stream)
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            foreach (var evt in StreamEvents(request.Dialect, id, created, model, text))
            {
                await http.Response.WriteAsync(evt).ConfigureAwait(false);
            }

            return;
        }

        http.Response.ContentType = "application/json";
        object body = request.Dialect switch
        {
            GatewayDialect.AnthropicMessages => new Dictionary<string, object>
            {
                ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["model"] = model, ["stop_reason"] = "end_turn",
                ["content"] = new[] { new Dictionary<string, object> { ["type"] = "text", ["text"] = text } },
                ["usage"] = new Dictionary<string, long> { ["input_tokens"] = 0, ["output_tokens"] = 0 },
            },
            GatewayDialect.Responses => new Dictionary<string, object>
            {
                ["id"] = id, ["object"] = "response", ["created_at"] = created, ["model"] = model, ["status"] = "completed",
                ["output"] = new[] { new Dictionary<string, object> { ["type"] = "message", ["role"] = "assistant", ["content"] = new[] { new Dictionary<string, object> { ["type"] = "output_text", ["text"] = text } } } },
                ["usage"] = new Dictionary<string, long> { ["input_tokens"] = 0, ["output_tokens"] = 0, ["total_tokens"] = 0 },
            },
            GatewayDialect.Completions => new Dictionary<string, object>
            {
                ["id"] = id, ["object"] = "text_completion", ["created"] = created, ["model"] = model,
                ["choices"] = new[] { new Dictionary<string, object?> { ["index"] = 0, ["text"] = text, ["finish_reason"] = "stop", ["logprobs"] = null } },
                ["usage"] = new Dictionary<string, long> { ["prompt_tokens"] = 0, ["completion_tokens"] = 0, ["total_tokens"] = 0 },
            },
            _ => new Dictionary<string, object>
            {
                ["id"] = id, ["object"] = "chat.completion", ["created"] = created, ["model"] = model,
                ["choices"] = new[] { new Dictionary<string, object?> { ["index"] = 0, ["message"] = new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = text, ["refusal"] = null }, ["finish_reason"] = "stop", ["logprobs"] = null } },
                ["usage"] = new Dictionary<string, long> { ["prompt_tokens"] = 0, ["completion_tokens"] = 0, ["total_tokens"] = 0 },
            },
        };
        await http.Response.WriteAsync(JsonSerializer.Serialize(body)).ConfigureAwait(false);
    }

    private static IEnumerable<string> StreamEvents(GatewayDialect dialect, string id, long created, string model, string text)
    {
        static string Data(object o) => "data: " + JsonSerializer.Serialize(o) + "\n\n";
        switch (dialect)
        {
            case GatewayDialect.AnthropicMessages:
                yield return "event: message_start\n" + Data(new Dictionary<string, object> { ["type"] = "message_start", ["message"] = new Dictionary<string, object> { ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["model"] = model, ["content"] = Array.Empty<object>(), ["usage"] = new Dictionary<string, long> { ["input_tokens"] = 0, ["output_tokens"] = 0 } } });
                yield return "event: content_block_start\n" + Data(new Dictionary<string, object> { ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = new Dictionary<string, string> { ["type"] = "text", ["text"] = "" } });
                yield return "event: content_block_delta\n" + Data(new Dictionary<string, object> { ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new Dictionary<string, string> { ["type"] = "text_delta", ["text"] = text } });
                yield return "event: content_block_stop\n" + Data(new Dictionary<string, object> { ["type"] = "content_block_stop", ["index"] = 0 });
                yield return "event: message_delta\n" + Data(new Dictionary<string, object> { ["type"] = "message_delta", ["delta"] = new Dictionary<string, string> { ["stop_reason"] = "end_turn" }, ["usage"] = new Dictionary<string, long> { ["output_tokens"] = 0 } });
                yield return "event: message_stop\n" + Data(new Dictionary<string, string> { ["type"] = "message_stop" });
                break;
            default:
                yield return Data(new Dictionary<string, object> { ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = model, ["choices"] = new[] { new Dictionary<string, object?> { ["index"] = 0, ["delta"] = new Dictionary<string, string> { ["role"] = "assistant", ["content"] = text }, ["finish_reason"] = null } } });
                yield return Data(new Dictionary<string, object> { ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = model, ["choices"] = new[] { new Dictionary<string, object?> { ["index"] = 0, ["delta"] = new Dictionary<string, string>(), ["finish_reason"] = "stop" } } });
                yield return "data: [DONE]\n\n";
                break;
        }
    }
}
