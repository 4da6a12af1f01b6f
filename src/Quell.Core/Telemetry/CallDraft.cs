using Quell.Calls;

namespace Quell.Telemetry;

/// <summary>
/// A call record being assembled from one span. Conventions run most specific first and each fills only what
/// is still empty, so a span that speaks two conventions (the Vercel AI SDK also sets <c>gen_ai.*</c>) is read
/// once, with the richer spelling winning.
/// </summary>
public sealed class CallDraft
{
    public string? Operation { get; set; }
    public string? Provider { get; set; }
    public string? RequestModel { get; set; }
    public string? ResponseModel { get; set; }
    public long? InputTokens { get; set; }
    public long? OutputTokens { get; set; }
    public long? CachedInputTokens { get; set; }
    public double? TtftMs { get; set; }
    public double? CostUsd { get; set; }
    public string? Input { get; set; }
    public string? Output { get; set; }
    public string? SystemPrompt { get; set; }
    public string? Feature { get; set; }
    public string? SessionId { get; set; }

    /// <summary>Raw error descriptions in order of authority (error.type, HTTP status, exception type, message).</summary>
    public List<string> ErrorHints { get; } = [];

    /// <summary>Tenant, user and session style properties a convention carries in its own namespace, prefix removed.</summary>
    public Dictionary<string, object?> Properties { get; } = new(StringComparer.Ordinal);

    public List<ToolCallRecord> ToolCalls { get; } = [];

    /// <summary>Attributes worth keeping on the call record's <c>attributes</c>.</summary>
    public Dictionary<string, object?> Extra { get; } = new(StringComparer.Ordinal);

    /// <summary>Sets the conversation's system, input and output text from split messages where still empty.</summary>
    public void AddMessages(SplitMessages? input, string? output)
    {
        if (input is { } m)
        {
            SystemPrompt ??= m.System;
            Input ??= m.Other;
        }

        Output ??= output;
    }
}
