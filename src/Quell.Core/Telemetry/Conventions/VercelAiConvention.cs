using System.Text.Json;
using static Quell.Telemetry.SpanValues;

namespace Quell.Telemetry.Conventions;

/// <summary>
/// The Vercel AI SDK's telemetry: the provider-level spans (<c>ai.generateText.doGenerate</c>, <c>ai.streamText.doStream</c>,
/// <c>ai.embed.doEmbed</c>, <c>ai.toolCall</c> …) are calls, the outer <c>ai.generateText</c> spans wrap them.
/// Reads <c>ai.model.*</c>, <c>ai.usage.*</c>, <c>ai.response.msToFirstChunk</c>, <c>ai.prompt.messages</c>,
/// <c>ai.response.text</c>, <c>ai.telemetry.functionId</c> and <c>ai.telemetry.metadata.*</c>.
/// </summary>
public sealed class VercelAiConvention : IGenAiConvention
{
    private const string MetadataPrefix = "ai.telemetry.metadata.";

    public string Name => "vercel_ai";

    public SpanRole Classify(OtlpSpan span)
    {
        var operation = Str(span, "ai.operationId") ?? (Str(span, "operation.name") is { } name && name.StartsWith("ai.", StringComparison.Ordinal) ? name.Split(' ')[0] : null);
        return operation switch
        {
            null => SpanRole.Foreign,
            "ai.generateText.doGenerate" or "ai.streamText.doStream" or "ai.generateObject.doGenerate" or "ai.streamObject.doStream"
                or "ai.embed.doEmbed" or "ai.embedMany.doEmbed" or "ai.toolCall" or "ai.rerank.doRerank" => SpanRole.Call,
            _ => SpanRole.Wrapper,
        };
    }

    public void Apply(OtlpSpan span, CallDraft draft)
    {
        var operation = Str(span, "ai.operationId") ?? Str(span, "operation.name")?.Split(' ')[0];
        draft.Operation ??= operation switch
        {
            "ai.embed.doEmbed" or "ai.embedMany.doEmbed" => "embeddings",
            "ai.toolCall" => "execute_tool",
            "ai.rerank.doRerank" => "rerank",
            _ => "chat",
        };
        draft.Provider ??= Str(span, "ai.model.provider");
        draft.RequestModel ??= Str(span, "ai.model.id");
        draft.ResponseModel ??= Str(span, "ai.response.model");
        draft.InputTokens ??= Tokens(span, "ai.usage.inputTokens", "ai.usage.promptTokens", "ai.usage.tokens");
        draft.OutputTokens ??= Tokens(span, "ai.usage.outputTokens", "ai.usage.completionTokens");
        draft.CachedInputTokens ??= Tokens(span, "ai.usage.inputTokenDetails.cacheReadTokens", "ai.usage.cachedInputTokens");
        draft.TtftMs ??= AsDouble(Get(span, "ai.response.msToFirstChunk") ?? Get(span, "ai.stream.msToFirstChunk"));
        draft.Feature ??= Str(span, "ai.telemetry.functionId");
        CopyPrefixed(span, MetadataPrefix, draft.Properties);

        var prompt = GenAiMessages.Split(Get(span, "ai.prompt.messages")) ?? GenAiMessages.Split(Get(span, "ai.prompt"));
        draft.AddMessages(prompt, Str(span, "ai.response.text") ?? Str(span, "ai.response.object"));

        if (operation == "ai.toolCall" && Str(span, "ai.toolCall.name") is { } tool)
        {
            draft.ToolCalls.Add(new Calls.ToolCallRecord(tool, ArgumentsHash(Str(span, "ai.toolCall.args"))));
        }

        AddResponseToolCalls(Str(span, "ai.response.toolCalls"), draft);
        foreach (var key in (string[])["ai.response.finishReason", "ai.response.id", "ai.settings.maxRetries"])
        {
            if (Get(span, key) is { } v)
            {
                draft.Extra.TryAdd(key, v);
            }
        }
    }

    private static void AddResponseToolCalls(string? json, CallDraft draft)
    {
        if (json is null)
        {
            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return;
            }

            foreach (var call in doc.RootElement.EnumerateArray())
            {
                if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("toolName", out var name) && name.ValueKind == JsonValueKind.String)
                {
                    var args = call.TryGetProperty("input", out var input) || call.TryGetProperty("args", out input) ? input.ValueKind == JsonValueKind.String ? input.GetString() : input.GetRawText() : null;
                    draft.ToolCalls.Add(new Calls.ToolCallRecord(name.GetString()!, ArgumentsHash(args)));
                }
            }
        }
        catch (JsonException)
        {
            // Tool calls that are not JSON are left in the attributes.
        }
    }
}
