using Quell.Calls;

namespace Quell.Simulation;

/// <summary>A call being generated; scenarios reshape it before it becomes a record.</summary>
public sealed class CallDraft
{
    public required string Id { get; set; }
    public required DateTimeOffset Timestamp { get; set; }
    public required SimulatedFeature Feature { get; init; }
    public required SimulatedTenant Tenant { get; init; }
    public required string User { get; init; }
    public required ModelEndpoint Endpoint { get; set; }
    public required string Operation { get; set; }
    public required string PromptVersion { get; set; }
    public required string TraceId { get; init; }
    public required string SessionId { get; init; }
    public double LatencyMs { get; set; }
    public double TtftMs { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public bool Failed { get; set; }
    public string? ErrorType { get; set; }
    public string? Input { get; set; }
    public string? Output { get; set; }
    public string? SystemPrompt { get; set; }
    public List<RetrievedDocument> Retrieved { get; } = [];
    public List<ToolCallRecord> ToolCalls { get; } = [];

    /// <summary>Position of the call in its trace (0 for the first).</summary>
    public int StepInTrace { get; init; }

    /// <summary>The control plane pinned this call's prompt version (a rollback): prompt scenarios no longer apply.</summary>
    public bool PromptPinned { get; set; }

    /// <summary>The control plane pinned the model version or routed to a fallback model.</summary>
    public bool ModelPinned { get; set; }

    /// <summary>A canned safe answer replaces whatever the model would have said.</summary>
    public string? CannedAnswer { get; set; }

    /// <summary>When a scenario makes the trace loop: how many calls the trace makes in all.</summary>
    public int LoopRepeat { get; set; }

    /// <summary>Probability that the answer is good, read by the feedback generator; scenarios lower it.</summary>
    public double Quality { get; set; } = 0.93;

    public CallRecord ToRecord() => new()
    {
        Id = Id,
        Timestamp = Timestamp,
        Tenant = Tenant.Name,
        User = User,
        Feature = Feature.Name,
        Operation = Operation,
        Provider = Endpoint.Provider,
        Model = Endpoint.Model,
        ModelVersion = Endpoint.ModelVersion,
        Region = Endpoint.Region,
        PromptVersion = PromptVersion,
        TraceId = TraceId,
        SessionId = SessionId,
        LatencyMs = Math.Round(LatencyMs, 1),
        TtftMs = Operation == "chat" ? Math.Round(TtftMs, 1) : null,
        InputTokens = InputTokens,
        OutputTokens = OutputTokens,
        CachedInputTokens = CachedInputTokens,
        Status = Failed ? CallStatus.Error : CallStatus.Ok,
        ErrorType = Failed ? ErrorType ?? ErrorTypes.ServerError : null,
        Input = Input,
        Output = Failed ? null : Output,
        SystemPrompt = SystemPrompt,
        Retrieved = Retrieved.Count == 0 ? [] : Retrieved.ToArray(),
        ToolCalls = ToolCalls.Count == 0 ? [] : ToolCalls.ToArray(),
    };
}
