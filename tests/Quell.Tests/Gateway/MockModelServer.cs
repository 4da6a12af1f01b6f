using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Quell.Server;

namespace Quell.Tests.Gateway;

/// <summary>What the mock upstream received.</summary>
public sealed record UpstreamRequest(string Path, string? Authorization, string? ApiKey, string? AcceptEncoding, JsonObject Body, IReadOnlyDictionary<string, string> Headers, string RawBody);

/// <summary>
/// A model vendor on Kestrel (127.0.0.1, port 0) speaking OpenAI's chat, completions, embeddings and responses APIs
/// and Anthropic's messages API, plain and streamed, with fixed usage so tests can check every figure the gateway
/// records. It stands in for the vendor, which cannot run here; everything between the SDK and it is real.
/// </summary>
public sealed class MockModelServer : IAsyncDisposable
{
    public const long PromptTokens = 12;
    public const long CompletionTokens = 5;
    public const long CachedTokens = 4;

    private readonly WebApplication _app;

    private MockModelServer(WebApplication app) => _app = app;

    public Uri BaseAddress => _app.BoundAddress();

    public ConcurrentQueue<UpstreamRequest> Requests { get; } = new();

    /// <summary>Status code to answer with instead of a completion (e.g. 429, 500); 0 answers normally.</summary>
    public int FailWith { get; set; }

    /// <summary>Keep no request log (load tests).</summary>
    public bool Quiet { get; set; }

    public static async Task<MockModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new MockModelServer(app);
        app.MapPost("/v1/chat/completions", server.ChatAsync);
        app.MapPost("/v1/completions", server.CompletionsAsync);
        app.MapPost("/v1/embeddings", server.EmbeddingsAsync);
        app.MapPost("/v1/responses", server.ResponsesAsync);
        app.MapPost("/v1/messages", server.MessagesAsync);
        app.MapPost("/openai/deployments/{deployment}/chat/completions", server.ChatAsync);
        await app.StartAsync();
        return server;
    }

    private async Task<JsonObject?> ReceiveAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, System.Text.Encoding.UTF8);
        var raw = await reader.ReadToEndAsync();
        var body = (JsonObject)JsonNode.Parse(raw)!;
        if (!Quiet)
        {
            var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            Requests.Enqueue(new UpstreamRequest(http.Request.Path + http.Request.QueryString, headers.GetValueOrDefault("authorization"), headers.GetValueOrDefault("x-api-key") ?? headers.GetValueOrDefault("api-key"), headers.GetValueOrDefault("accept-encoding"), body, headers, raw));
        }

        if (FailWith != 0)
        {
            http.Response.StatusCode = FailWith;
            await http.Response.WriteAsJsonAsync(new { error = new { message = "upstream failure", type = FailWith == 429 ? "rate_limit_exceeded" : "server_error", code = FailWith == 429 ? "rate_limit_exceeded" : (string?)null } });
            return null;
        }

        return body;
    }

    private static object Usage() => new
    {
        prompt_tokens = PromptTokens,
        completion_tokens = CompletionTokens,
        total_tokens = PromptTokens + CompletionTokens,
        prompt_tokens_details = new { cached_tokens = CachedTokens },
    };

    private static string Data(object o) => "data: " + JsonSerializer.Serialize(o) + "\n\n";

    private async Task ChatAsync(HttpContext http)
    {
        if (await ReceiveAsync(http) is not { } body)
        {
            return;
        }

        var model = body["model"]!.GetValue<string>();
        var tools = body["tools"] is JsonArray { Count: > 0 } t ? t : null;
        if (body["stream"]?.GetValue<bool>() == true)
        {
            http.Response.ContentType = "text/event-stream";
            var includeUsage = body["stream_options"]?["include_usage"]?.GetValue<bool>() == true;
            foreach (var word in new[] { "Hello", " from", " the", " mock", "." })
            {
                await http.Response.WriteAsync(Data(new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model, choices = new[] { new { index = 0, delta = new { content = word }, finish_reason = (string?)null } } }));
                await http.Response.Body.FlushAsync();
            }

            await http.Response.WriteAsync(Data(new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model, choices = new[] { new { index = 0, delta = new { }, finish_reason = "stop" } } }));
            if (includeUsage)
            {
                await http.Response.WriteAsync(Data(new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model, choices = Array.Empty<object>(), usage = Usage() }));
            }

            await http.Response.WriteAsync("data: [DONE]\n\n");
            return;
        }

        object message = tools is not null
            ? new
            {
                role = "assistant",
                content = (string?)null,
                tool_calls = new[] { new { id = "call_1", type = "function", function = new { name = tools[0]!["function"]!["name"]!.GetValue<string>(), arguments = "{\"city\":\"Paris\"}" } } },
            }
            : new { role = "assistant", content = "Hello from the mock.", tool_calls = (object?)null };
        await http.Response.WriteAsJsonAsync(new
        {
            id = "chatcmpl-1",
            @object = "chat.completion",
            created = 1,
            model = model + "-2024-07-18",
            choices = new[] { new { index = 0, message, finish_reason = tools is not null ? "tool_calls" : "stop" } },
            usage = Usage(),
        });
    }

    private async Task CompletionsAsync(HttpContext http)
    {
        if (await ReceiveAsync(http) is not { } body)
        {
            return;
        }

        await http.Response.WriteAsJsonAsync(new { id = "cmpl-1", @object = "text_completion", created = 1, model = body["model"]!.GetValue<string>(), choices = new[] { new { index = 0, text = "Hello from the mock.", finish_reason = "stop" } }, usage = Usage() });
    }

    private async Task EmbeddingsAsync(HttpContext http)
    {
        if (await ReceiveAsync(http) is not { } body)
        {
            return;
        }

        // The openai npm package asks for base64 unless told otherwise, and decodes it.
        float[] vector = [0.1f, 0.2f, 0.3f];
        object embedding = body["encoding_format"]?.GetValue<string>() == "base64"
            ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()))
            : vector;
        await http.Response.WriteAsJsonAsync(new
        {
            @object = "list",
            model = body["model"]!.GetValue<string>(),
            data = new[] { new { @object = "embedding", index = 0, embedding } },
            usage = new { prompt_tokens = PromptTokens, total_tokens = PromptTokens },
        });
    }

    private async Task ResponsesAsync(HttpContext http)
    {
        if (await ReceiveAsync(http) is not { } body)
        {
            return;
        }

        await http.Response.WriteAsJsonAsync(new
        {
            id = "resp_1",
            @object = "response",
            created_at = 1,
            status = "completed",
            model = body["model"]!.GetValue<string>(),
            output = new[] { new { type = "message", id = "msg_1", role = "assistant", status = "completed", content = new[] { new { type = "output_text", text = "Hello from the mock.", annotations = Array.Empty<object>() } } } },
            usage = new { input_tokens = PromptTokens, output_tokens = CompletionTokens, total_tokens = PromptTokens + CompletionTokens, input_tokens_details = new { cached_tokens = CachedTokens }, output_tokens_details = new { reasoning_tokens = 0 } },
        });
    }

    private async Task MessagesAsync(HttpContext http)
    {
        if (await ReceiveAsync(http) is not { } body)
        {
            return;
        }

        var model = body["model"]!.GetValue<string>();
        if (body["stream"]?.GetValue<bool>() == true)
        {
            http.Response.ContentType = "text/event-stream";
            await http.Response.WriteAsync("event: message_start\n" + Data(new { type = "message_start", message = new { id = "msg_1", type = "message", role = "assistant", model, content = Array.Empty<object>(), usage = new { input_tokens = PromptTokens - CachedTokens, cache_read_input_tokens = CachedTokens, output_tokens = 1 } } }));
            await http.Response.WriteAsync("event: content_block_delta\n" + Data(new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = "Hello from the mock." } }));
            await http.Response.WriteAsync("event: message_delta\n" + Data(new { type = "message_delta", delta = new { stop_reason = "end_turn" }, usage = new { output_tokens = CompletionTokens } }));
            await http.Response.WriteAsync("event: message_stop\n" + Data(new { type = "message_stop" }));
            return;
        }

        await http.Response.WriteAsJsonAsync(new
        {
            id = "msg_1",
            type = "message",
            role = "assistant",
            model,
            content = new[] { new { type = "text", text = "Hello from the mock." } },
            stop_reason = "end_turn",
            usage = new { input_tokens = PromptTokens - CachedTokens, cache_read_input_tokens = CachedTokens, output_tokens = CompletionTokens },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
