using System.Globalization;
using System.Text;
using System.Text.Json;
using static Quell.Telemetry.SpanValues;

namespace Quell.Telemetry.Conventions;

/// <summary>
/// OpenInference (Arize Phoenix): <c>openinference.span.kind</c>, <c>llm.model_name</c>, <c>llm.provider</c>/<c>llm.system</c>,
/// <c>llm.token_count.*</c> with cache details, <c>llm.input_messages.N.message.*</c>, <c>llm.output_messages.*</c>,
/// <c>input.value</c>/<c>output.value</c>, <c>session.id</c>, <c>user.id</c> and the <c>metadata</c> JSON object.
/// </summary>
public sealed class OpenInferenceConvention : IGenAiConvention
{
    public string Name => "openinference";

    public SpanRole Classify(OtlpSpan span) => Str(span, "openinference.span.kind")?.ToUpperInvariant() switch
    {
        null => SpanRole.Foreign,
        "LLM" or "EMBEDDING" or "TOOL" or "AGENT" => SpanRole.Call,
        _ => SpanRole.Wrapper,
    };

    public void Apply(OtlpSpan span, CallDraft draft)
    {
        var kind = Str(span, "openinference.span.kind")!.ToUpperInvariant();
        draft.Operation ??= kind switch
        {
            "EMBEDDING" => "embeddings",
            "TOOL" => "execute_tool",
            "AGENT" => "invoke_agent",
            _ => "chat",
        };
        draft.Provider ??= FirstStr(span, "llm.provider", "llm.system");
        var invocation = InvocationModel(Str(span, "llm.invocation_parameters"));
        var modelName = FirstStr(span, "llm.model_name", "embedding.model_name");
        draft.RequestModel ??= invocation ?? modelName;
        draft.ResponseModel ??= modelName;
        draft.InputTokens ??= Tokens(span, "llm.token_count.prompt");
        draft.OutputTokens ??= Tokens(span, "llm.token_count.completion");
        draft.CachedInputTokens ??= Tokens(span, "llm.token_count.prompt_details.cache_read");
        draft.CostUsd ??= AsDouble(Get(span, "llm.cost.total"));
        draft.SessionId ??= Str(span, "session.id");
        if (Str(span, "user.id") is { } user)
        {
            draft.Properties.TryAdd("user.id", user);
        }

        if (Str(span, "metadata") is { } metadata)
        {
            CopyMetadata(metadata, draft.Properties);
        }

        draft.AddMessages(IndexedMessages(span, "llm.input_messages."), IndexedMessages(span, "llm.output_messages.")?.Other);
        // input.value is the raw request when its mime type is JSON: its messages list still splits by role.
        draft.AddMessages(GenAiMessages.Split(Get(span, "input.value")), Str(span, "output.value") is { } output && Str(span, "output.mime_type") != "application/json" ? output : null);

        if (kind == "TOOL" && Str(span, "tool.name") is { } tool)
        {
            draft.ToolCalls.Add(new Calls.ToolCallRecord(tool, ArgumentsHash(Str(span, "tool.parameters") ?? Str(span, "input.value"))));
        }

        for (var i = 0; i < 100; i++)
        {
            var prefix = "llm.output_messages.0.message.tool_calls." + i.ToString(CultureInfo.InvariantCulture) + ".tool_call.function.";
            if (Str(span, prefix + "name") is not { } name)
            {
                break;
            }

            draft.ToolCalls.Add(new Calls.ToolCallRecord(name, ArgumentsHash(Str(span, prefix + "arguments"))));
        }

        if (Get(span, "tag.tags") is object?[] tags)
        {
            draft.Extra.TryAdd("tag.tags", tags);
        }
    }

    private static string? InvocationModel(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The metadata object's scalar members become properties (<c>{"tenant_id": "acme"}</c> → tenant_id).</summary>
    private static void CopyMetadata(string json, Dictionary<string, object?> into)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            foreach (var p in doc.RootElement.EnumerateObject())
            {
                object? value = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString(),
                    JsonValueKind.Number => p.Value.TryGetInt64(out var l) ? l : p.Value.GetDouble(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => null,
                };
                if (value is not null)
                {
                    into.TryAdd(p.Name, value);
                }
            }
        }
        catch (JsonException)
        {
            // Metadata that is not JSON stays in the span's attributes only.
        }
    }

    /// <summary><c>llm.input_messages.N.message.role/content</c> (or <c>contents.M.message_content.text</c>), split by role.</summary>
    private static SplitMessages? IndexedMessages(OtlpSpan span, string root)
    {
        var system = new StringBuilder();
        var other = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            var prefix = root + i.ToString(CultureInfo.InvariantCulture) + ".message.";
            var role = Str(span, prefix + "role");
            var content = Str(span, prefix + "content");
            if (role is null && content is null && !span.Attributes.ContainsKey(prefix + "contents.0.message_content.text"))
            {
                break;
            }

            var target = GenAiMessages.IsSystemRole(role) ? system : other;
            Append(target, content);
            for (var j = 0; j < 100 && Str(span, prefix + "contents." + j.ToString(CultureInfo.InvariantCulture) + ".message_content.text") is { } part; j++)
            {
                Append(target, part);
            }
        }

        return SplitMessages.Of(system.Length == 0 ? null : system.ToString(), other.Length == 0 ? null : other.ToString());
    }

    private static void Append(StringBuilder sb, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            sb.Append(sb.Length > 0 ? "\n" : string.Empty).Append(text);
        }
    }
}
