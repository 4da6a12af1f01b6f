using static Quell.Telemetry.SpanValues;

namespace Quell.Telemetry.Conventions;

/// <summary>
/// The OpenTelemetry GenAI semantic conventions, current (<c>gen_ai.provider.name</c>, <c>gen_ai.input.messages</c>,
/// <c>gen_ai.usage.cache_read.input_tokens</c>) and deprecated (<c>gen_ai.system</c>, <c>gen_ai.usage.prompt_tokens</c>,
/// <c>gen_ai.prompt</c>, the per-message span events).
/// </summary>
public sealed class OtelGenAiConvention : IGenAiConvention
{
    private static readonly string[] Operations = ["chat", "embeddings", "text_completion", "generate_content", "execute_tool", "invoke_agent", "create_agent"];

    public string Name => "otel_genai";

    public SpanRole Classify(OtlpSpan span)
    {
        foreach (var key in span.Attributes.Keys)
        {
            if (key.StartsWith("gen_ai.", StringComparison.Ordinal))
            {
                return SpanRole.Call;
            }
        }

        return SpanRole.Foreign;
    }

    public void Apply(OtlpSpan span, CallDraft draft)
    {
        draft.Operation ??= Str(span, "gen_ai.operation.name") ?? OperationFromName(span.Name);
        draft.Provider ??= FirstStr(span, "gen_ai.provider.name", "gen_ai.system");
        draft.RequestModel ??= Str(span, "gen_ai.request.model");
        draft.ResponseModel ??= Str(span, "gen_ai.response.model");
        draft.InputTokens ??= Tokens(span, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "gen_ai.response.input_tokens");
        draft.OutputTokens ??= Tokens(span, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "gen_ai.response.output_tokens");
        draft.CachedInputTokens ??= Tokens(span, "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cached_input_tokens", "gen_ai.usage.input_tokens.cached");
        draft.CostUsd ??= AsDouble(Get(span, "gen_ai.usage.cost") ?? Get(span, "gen_ai.cost.usd"));
        draft.SessionId ??= Str(span, "gen_ai.conversation.id");
        draft.TtftMs ??= AsDouble(Get(span, "gen_ai.server.time_to_first_token") ?? Get(span, "gen_ai.response.time_to_first_chunk")) is { } seconds ? seconds * 1000 : null;

        if (Str(span, "gen_ai.system_instructions") is { } instructions)
        {
            draft.SystemPrompt ??= GenAiMessages.Text(instructions);
        }

        draft.AddMessages(GenAiMessages.Split(Get(span, "gen_ai.input.messages")), GenAiMessages.Text(Get(span, "gen_ai.output.messages")));
        draft.AddMessages(GenAiMessages.Split(Get(span, "gen_ai.prompt")), GenAiMessages.Text(Get(span, "gen_ai.completion")));
        ApplyEvents(span, draft);

        if (Str(span, "error.type") is { } error)
        {
            draft.ErrorHints.Add(error);
        }

        if (Str(span, "gen_ai.tool.name") is { } tool)
        {
            draft.ToolCalls.Add(new Calls.ToolCallRecord(tool, ArgumentsHash(Str(span, "gen_ai.tool.call.arguments"))));
        }

        foreach (var key in (string[])["gen_ai.response.finish_reasons", "gen_ai.response.id", "gen_ai.request.temperature", "gen_ai.request.max_tokens", "server.address", "gen_ai.agent.name", "gen_ai.tool.name"])
        {
            if (Get(span, key) is { } v)
            {
                draft.Extra.TryAdd(key, v);
            }
        }
    }

    /// <summary>Reads content from span events: the deprecated per-message events and the inference details event.</summary>
    public static void ApplyEvents(OtlpSpan span, CallDraft draft)
    {
        if (span.Events.Count == 0)
        {
            return;
        }

        var content = new ContentParts();
        foreach (var e in span.Events)
        {
            content.AddEvent(e.Name, e.Attributes, body: null);
        }

        content.ApplyTo(draft);
    }

    private static string OperationFromName(string name)
    {
        var space = name.IndexOf(' ', StringComparison.Ordinal);
        var first = space > 0 ? name[..space] : name;
        return Operations.Contains(first) ? first : "chat";
    }
}
