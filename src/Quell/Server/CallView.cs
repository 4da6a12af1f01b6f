using System.Text.Json;
using Quell.Calls;

namespace Quell.Server;

/// <summary>A stored call as the API shows it: the native record plus its log sequence.</summary>
public sealed record CallView
{
    public long Seq { get; init; }
    public required string Id { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public string? Tenant { get; init; }
    public string? User { get; init; }
    public string? Feature { get; init; }
    public string? Operation { get; init; }
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
    public double? CostUsd { get; init; }
    public string? CostSource { get; init; }
    public string? Status { get; init; }
    public string? ErrorType { get; init; }
    public string? Input { get; init; }
    public string? Output { get; init; }
    public string? SystemPrompt { get; init; }
    public IReadOnlyList<RetrievedDocument>? Retrieved { get; init; }
    public IReadOnlyList<ToolCallRecord>? ToolCalls { get; init; }
    public JsonElement? Attributes { get; init; }
    public IReadOnlyList<CallFinding>? Findings { get; init; }
    public double? InjectionScore { get; init; }

    public static CallView From(LoggedCall logged)
    {
        var c = logged.Call;
        JsonElement? attrs = null;
        if (c.AttributesJson is not null)
        {
            using var doc = JsonDocument.Parse(c.AttributesJson);
            attrs = doc.RootElement.Clone();
        }

        return new CallView
        {
            Seq = logged.Sequence,
            Id = c.Id,
            Timestamp = c.Timestamp,
            Tenant = c.Tenant,
            User = c.User,
            Feature = c.Feature,
            Operation = c.Operation,
            Provider = c.Provider,
            Model = c.Model,
            ModelVersion = c.ModelVersion,
            Region = c.Region,
            PromptVersion = c.PromptVersion,
            TraceId = c.TraceId,
            SessionId = c.SessionId,
            LatencyMs = c.LatencyMs,
            TtftMs = c.TtftMs,
            InputTokens = c.InputTokens,
            OutputTokens = c.OutputTokens,
            CachedInputTokens = c.CachedInputTokens,
            CostUsd = c.CostUsd,
            CostSource = c.CostSource switch { Calls.CostSource.PriceTable => "price_table", Calls.CostSource.Reported => "reported", _ => "unknown" },
            Status = c.IsError ? "error" : "ok",
            ErrorType = c.ErrorType,
            Input = c.Input,
            Output = c.Output,
            SystemPrompt = c.SystemPrompt,
            Retrieved = c.Retrieved.Count == 0 ? null : c.Retrieved,
            ToolCalls = c.ToolCalls.Count == 0 ? null : c.ToolCalls,
            Attributes = attrs,
            Findings = c.Findings.Count == 0 ? null : c.Findings,
            InjectionScore = c.InjectionScore,
        };
    }
}
