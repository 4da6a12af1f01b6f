namespace Quell.Calls;

/// <summary>One model call as Quell stores it: the native call record of the interface contract.</summary>
public sealed record CallRecord
{
    public required string Id { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public string? Tenant { get; init; }
    public string? User { get; init; }
    public string? Feature { get; init; }
    public string Operation { get; init; } = "chat";
    public string? Provider { get; init; }
    public string? Model { get; init; }
    public string? ModelVersion { get; init; }
    public string? Region { get; init; }
    public string? PromptVersion { get; init; }
    public string? TraceId { get; init; }
    public string? SessionId { get; init; }
    public double? LatencyMs { get; init; }
    public double? TtftMs { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CachedInputTokens { get; init; }

    /// <summary>Cost in US dollars; null when the model is not in the price table and the caller sent none.</summary>
    public double? CostUsd { get; init; }

    /// <summary>How <see cref="CostUsd"/> was obtained.</summary>
    public CostSource CostSource { get; init; } = CostSource.Unknown;
    public CallStatus Status { get; init; } = CallStatus.Ok;
    public string? ErrorType { get; init; }
    public string? Input { get; init; }
    public string? Output { get; init; }
    public string? SystemPrompt { get; init; }
    public IReadOnlyList<RetrievedDocument> Retrieved { get; init; } = [];
    public IReadOnlyList<ToolCallRecord> ToolCalls { get; init; } = [];

    /// <summary>Anything else the source sent, as compact JSON of an object; null when empty.</summary>
    public string? AttributesJson { get; init; }

    /// <summary>What the content scanners found in this call's input and output (empty when not scanned).</summary>
    public IReadOnlyList<CallFinding> Findings { get; init; } = [];

    /// <summary>Prompt-injection score of the input in 0..1; null when the input was not scanned.</summary>
    public double? InjectionScore { get; init; }

    public bool IsError => Status == CallStatus.Error;
}

/// <summary>Outcome of a call.</summary>
public enum CallStatus
{
    Ok = 0,
    Error = 1,
}

/// <summary>Where a call's cost came from.</summary>
public enum CostSource
{
    /// <summary>The model is not priced and the caller sent no cost: flagged, never silently zero.</summary>
    Unknown = 0,
    Reported = 1,
    PriceTable = 2,
}

/// <summary>A document used to answer a call, with the tenant that owns it.</summary>
public sealed record RetrievedDocument(string Id, string? Tenant);

/// <summary>A tool call made by the model; the hash of its arguments spots identical repeats.</summary>
public sealed record ToolCallRecord(string Name, string? ArgumentsHash);

/// <summary>A call together with its position in the append-only calls log.</summary>
public readonly record struct LoggedCall(long Sequence, CallRecord Call);

/// <summary>A scanner finding stored with its call: which field, what entity, where, how sure, masked evidence.</summary>
public sealed record CallFinding(string Field, string Kind, string Entity, int Start, int End, double Score, string Evidence, string? Owner = null);
