using System.Text.Json;

namespace Quell.Calls;

/// <summary>
/// The call record's fields, declared once. The table drives the native JSON (read and write), the storage columns
/// (DDL, binding, row materialisation, in every storage provider) and the API view. Adding a field to
/// <see cref="CallRecord"/> is one line here plus its meaning; a test fails while a property is missing.
/// </summary>
public static class CallSchema
{
    /// <summary>What a reader without the read:content scope sees in place of prompts, outputs and evidence.</summary>
    public const string MaskedContent = "[masked: needs read:content]";

    /// <summary>
    /// Every field in order: the order of the native JSON, of the API view and of the storage columns. Besides these
    /// columns, a provider's calls table holds its log sequence (<c>seq</c>) and the time of ingest (<c>ingested_at</c>).
    /// </summary>
    public static IReadOnlyList<CallField> Fields { get; } =
    [
        new IdField(nameof(CallRecord.Id), "id"),
        new TimestampField(nameof(CallRecord.Timestamp), "timestamp", column: "ts"),
        new LabelField(nameof(CallRecord.Tenant), "tenant"),
        new LabelField(nameof(CallRecord.User), "user", column: "user_id"),
        new LabelField(nameof(CallRecord.Feature), "feature"),
        new OperationField(nameof(CallRecord.Operation), "operation"),
        new LabelField(nameof(CallRecord.Provider), "provider"),
        new LabelField(nameof(CallRecord.Model), "model"),
        new LabelField(nameof(CallRecord.ModelVersion), "model_version"),
        new LabelField(nameof(CallRecord.Region), "region"),
        new LabelField(nameof(CallRecord.PromptVersion), "prompt_version"),
        new LabelField(nameof(CallRecord.TraceId), "trace_id"),
        new LabelField(nameof(CallRecord.SessionId), "session_id"),
        new NumberField(nameof(CallRecord.LatencyMs), "latency_ms"),
        new NumberField(nameof(CallRecord.TtftMs), "ttft_ms"),
        new TokensField(nameof(CallRecord.InputTokens), "input_tokens", writeZero: true),
        new TokensField(nameof(CallRecord.OutputTokens), "output_tokens", writeZero: true),
        new TokensField(nameof(CallRecord.CachedInputTokens), "cached_input_tokens", writeZero: false),
        new CostField(nameof(CallRecord.CostUsd), "cost_usd"),
        new CostSourceField(nameof(CallRecord.CostSource), "cost_source") { Native = false },
        new StatusField(nameof(CallRecord.Status), "status"),
        new ErrorTypeField(nameof(CallRecord.ErrorType), "error_type"),
        new ContentField(nameof(CallRecord.Input), "input"),
        new ContentField(nameof(CallRecord.Output), "output"),
        new ContentField(nameof(CallRecord.SystemPrompt), "system_prompt"),
        new RetrievedField(nameof(CallRecord.Retrieved), "retrieved"),
        new ToolCallsField(nameof(CallRecord.ToolCalls), "tool_calls"),
        new AttributesField(nameof(CallRecord.AttributesJson), "attributes"),
        new FindingsField(nameof(CallRecord.Findings), "findings") { Native = false },
        new NumberField(nameof(CallRecord.InjectionScore), "injection_score") { Native = false },
    ];

    /// <summary>The fields the native ingest format carries (the scanners' findings and scores are Quell's own).</summary>
    public static IReadOnlyList<CallField> NativeFields { get; } = [.. Fields.Where(f => f.Native)];

    /// <summary>The fields figure readers need: everything but prompt, output, system prompt and attributes.</summary>
    public static IReadOnlyList<CallField> FigureFields { get; } = [.. Fields.Where(f => f.InFigures)];

    private static readonly HashSet<string> NativeNames = [.. NativeFields.Select(f => f.Name)];

    /// <summary>Whether a top-level name of a native JSON call record is one of its fields.</summary>
    public static bool IsNativeField(string name) => NativeNames.Contains(name);

    /// <summary>An empty record to fill field by field (a reader sets every field it has).</summary>
    public static CallRecord NewRecord() => new() { Id = string.Empty, Timestamp = default };

    /// <summary>Writes a call in the native JSON shape (what POST /api/v1/calls and JSONL files carry).</summary>
    public static void WriteNative(Utf8JsonWriter w, CallRecord c)
    {
        w.WriteStartObject();
        foreach (var f in Fields)
        {
            f.WriteNative(w, c);
        }

        w.WriteEndObject();
    }

    /// <summary>Writes a stored call as the API shows it: its log sequence, then every field; masked content when asked.</summary>
    public static void WriteView(Utf8JsonWriter w, long sequence, CallRecord c, bool maskContent)
    {
        w.WriteStartObject();
        w.WriteNumber("seq", sequence);
        foreach (var f in Fields)
        {
            if (f.InView)
            {
                f.WriteView(w, c, maskContent);
            }
        }

        w.WriteEndObject();
    }
}
