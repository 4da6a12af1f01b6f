using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Quell.Gateway;

/// <summary>The model API a request speaks; decides how its body and answer are read.</summary>
public enum GatewayDialect
{
    ChatCompletions,
    Completions,
    Embeddings,
    Responses,
    AnthropicMessages,
}

/// <summary>
/// What the gateway reads from a model request: the model, whether it streams, who it serves and its text. The
/// body is kept as a JSON tree so a fallback or rollback can change the model before it is forwarded; a body that
/// nothing changed is forwarded as the caller's own bytes.
/// </summary>
public sealed class GatewayRequest
{
    private readonly byte[] _original;
    private bool _rewritten;

    private GatewayRequest(GatewayDialect dialect, JsonObject body, byte[] original)
    {
        Dialect = dialect;
        Body = body;
        _original = original;
    }

    public GatewayDialect Dialect { get; }
    public JsonObject Body { get; }
    public string? Model => Body["model"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    public bool Stream => Body["stream"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>The end user as the body names it (OpenAI <c>user</c>, Anthropic <c>metadata.user_id</c>).</summary>
    public string? User =>
        (Body["user"] as JsonValue)?.TryGetValue<string>(out var u) == true ? u
        : (Body["metadata"] as JsonObject)?["user_id"] is JsonValue m && m.TryGetValue<string>(out var mu) ? mu
        : null;

    /// <summary>Most output tokens the request allows; null when it does not say.</summary>
    public long? MaxOutputTokens =>
        Long("max_completion_tokens") ?? Long("max_tokens") ?? Long("max_output_tokens");

    public string Operation => Dialect switch
    {
        GatewayDialect.Embeddings => "embeddings",
        GatewayDialect.Completions => "text_completion",
        _ => "chat",
    };

    /// <summary>Instructions: system and developer messages, Anthropic's <c>system</c>, the Responses API's <c>instructions</c>.</summary>
    public string? SystemPrompt { get; private set; }

    /// <summary>What the caller asked: the non-system messages' text, the prompt or the embedding input.</summary>
    public string? Input { get; private set; }

    /// <summary>Reads a request body; an error names what is wrong.</summary>
    public static (GatewayRequest? Request, string? Error) Parse(GatewayDialect dialect, byte[] utf8)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            return (null, $"the body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}): {ex.Message.Split(". ")[0]}");
        }

        if (node is not JsonObject body)
        {
            return (null, "the body must be a JSON object");
        }

        var request = new GatewayRequest(dialect, body, utf8);
        if (body["model"] is not JsonValue model || !model.TryGetValue<string>(out var m) || string.IsNullOrWhiteSpace(m))
        {
            return (null, "field 'model' is required and must be a string");
        }

        if (m.Length > 256)
        {
            return (null, "field 'model' is longer than 256 characters");
        }

        request.ReadText();
        return (request, null);
    }

    /// <summary>Replaces the model the request asks for (fallback, rollback).</summary>
    public void SetModel(string model)
    {
        if (model != Model)
        {
            Body["model"] = model;
            _rewritten = true;
        }
    }

    /// <summary>Asks an OpenAI-style upstream to send usage in the last streamed chunk, as the SDKs allow.</summary>
    public void RequestStreamUsage()
    {
        if (!Stream || Dialect is not (GatewayDialect.ChatCompletions or GatewayDialect.Completions))
        {
            return;
        }

        if (Body["stream_options"] is not JsonObject options)
        {
            options = new JsonObject();
            Body["stream_options"] = options;
        }
        else if (options["include_usage"] is JsonValue v && v.TryGetValue<bool>(out var already) && already)
        {
            return;
        }

        options["include_usage"] = true;
        _rewritten = true;
    }

    /// <summary>The body to forward: the caller's bytes when nothing was changed, else the rewritten tree.</summary>
    public byte[] ToUtf8()
    {
        if (!_rewritten)
        {
            return _original;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Body.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private long? Long(string name) => Body[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    private void ReadText()
    {
        var system = new StringBuilder();
        var input = new StringBuilder();
        switch (Dialect)
        {
            case GatewayDialect.ChatCompletions:
                foreach (var message in (Body["messages"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var role = (message["role"] as JsonValue)?.TryGetValue<string>(out var r) == true ? r : null;
                    Append(role is "system" or "developer" ? system : input, message["content"]);
                }

                break;
            case GatewayDialect.AnthropicMessages:
                Append(system, Body["system"]);
                foreach (var message in (Body["messages"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    Append(input, message["content"]);
                }

                break;
            case GatewayDialect.Responses:
                Append(system, Body["instructions"]);
                if (Body["input"] is JsonArray items)
                {
                    foreach (var item in items.OfType<JsonObject>())
                    {
                        var role = (item["role"] as JsonValue)?.TryGetValue<string>(out var r) == true ? r : null;
                        Append(role is "system" or "developer" ? system : input, item["content"]);
                    }
                }
                else
                {
                    Append(input, Body["input"]);
                }

                break;
            case GatewayDialect.Completions:
                Append(input, Body["prompt"]);
                break;
            case GatewayDialect.Embeddings:
                Append(input, Body["input"]);
                break;
        }

        SystemPrompt = system.Length > 0 ? system.ToString() : null;
        Input = input.Length > 0 ? input.ToString() : null;
    }

    /// <summary>Text of a content value: a string, an array of strings or of parts with <c>text</c>.</summary>
    private static void Append(StringBuilder to, JsonNode? content)
    {
        switch (content)
        {
            case JsonValue v when v.TryGetValue<string>(out var s):
                if (to.Length > 0)
                {
                    to.Append('\n');
                }

                to.Append(s);
                break;
            case JsonArray parts:
                foreach (var part in parts)
                {
                    Append(to, part is JsonObject o ? o["text"] ?? o["input_text"] : part);
                }

                break;
        }
    }
}
