using System.Globalization;
using System.Text;
using static Quell.Telemetry.SpanValues;

namespace Quell.Telemetry.Conventions;

/// <summary>
/// OpenLLMetry / Traceloop: the indexed <c>gen_ai.prompt.N.*</c> and <c>gen_ai.completion.N.*</c> content of the
/// older instrumentations, <c>llm.usage.*</c> and <c>llm.request.type</c>, <c>traceloop.association.properties.*</c>
/// (tenant, user, session …) and <c>traceloop.workflow.name</c> as the feature.
/// </summary>
public sealed class OpenLlmetryConvention : IGenAiConvention
{
    private const string AssociationPrefix = "traceloop.association.properties.";

    public string Name => "openllmetry";

    public SpanRole Classify(OtlpSpan span)
    {
        var kind = Str(span, "traceloop.span.kind");
        if (Str(span, "llm.request.type") is not null || span.Attributes.ContainsKey("gen_ai.prompt.0.role") || span.Attributes.ContainsKey("gen_ai.prompt.0.content"))
        {
            return SpanRole.Call;
        }

        if (kind is "tool" or "agent")
        {
            return SpanRole.Call;
        }

        if (kind is "workflow" or "task")
        {
            return HasGenAi(span) ? SpanRole.Call : SpanRole.Wrapper;
        }

        foreach (var key in span.Attributes.Keys)
        {
            if (key.StartsWith("traceloop.", StringComparison.Ordinal) || key.StartsWith("llm.usage.", StringComparison.Ordinal))
            {
                return SpanRole.Call;
            }
        }

        return SpanRole.Foreign;
    }

    public void Apply(OtlpSpan span, CallDraft draft)
    {
        draft.Operation ??= Str(span, "llm.request.type") switch
        {
            "chat" => "chat",
            "completion" => "text_completion",
            "embedding" => "embeddings",
            "rerank" => "rerank",
            _ => Str(span, "traceloop.span.kind") switch
            {
                "tool" => "execute_tool",
                "agent" => "invoke_agent",
                _ => null,
            },
        };
        draft.InputTokens ??= Tokens(span, "llm.usage.prompt_tokens");
        draft.OutputTokens ??= Tokens(span, "llm.usage.completion_tokens");
        draft.CachedInputTokens ??= Tokens(span, "llm.usage.cache_read_input_tokens", "gen_ai.usage.cache_read_input_tokens");
        draft.Feature ??= Str(span, "traceloop.workflow.name");
        CopyPrefixed(span, AssociationPrefix, draft.Properties);
        draft.AddMessages(IndexedPrompt(span), IndexedCompletion(span));
        if (draft.Operation == "execute_tool" && (Str(span, "traceloop.entity.name") ?? span.Name) is { } tool)
        {
            draft.ToolCalls.Add(new Calls.ToolCallRecord(tool, ArgumentsHash(Str(span, "traceloop.entity.input"))));
        }

        if (Str(span, "traceloop.entity.name") is { } entity)
        {
            draft.Extra.TryAdd("traceloop.entity.name", entity);
        }
    }

    private static bool HasGenAi(OtlpSpan span)
    {
        foreach (var key in span.Attributes.Keys)
        {
            if (key.StartsWith("gen_ai.", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>gen_ai.prompt.N.role</c> / <c>.content</c>: system messages apart from the rest.</summary>
    private static SplitMessages? IndexedPrompt(OtlpSpan span)
    {
        var system = new StringBuilder();
        var other = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            var prefix = "gen_ai.prompt." + i.ToString(CultureInfo.InvariantCulture);
            var content = Get(span, prefix + ".content");
            var role = Str(span, prefix + ".role");
            if (content is null && role is null)
            {
                break;
            }

            Append(GenAiMessages.IsSystemRole(role) ? system : other, GenAiMessages.Text(content));
        }

        return SplitMessages.Of(system.Length == 0 ? null : system.ToString(), other.Length == 0 ? null : other.ToString());
    }

    private static string? IndexedCompletion(OtlpSpan span)
    {
        var output = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            var prefix = "gen_ai.completion." + i.ToString(CultureInfo.InvariantCulture);
            var content = Get(span, prefix + ".content");
            if (content is null && Str(span, prefix + ".role") is null && Str(span, prefix + ".finish_reason") is null)
            {
                break;
            }

            Append(output, GenAiMessages.Text(content));
        }

        return output.Length == 0 ? null : output.ToString();
    }

    private static void Append(StringBuilder sb, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            sb.Append(sb.Length > 0 ? "\n" : string.Empty).Append(text);
        }
    }
}
