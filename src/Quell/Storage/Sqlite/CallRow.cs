using System.Text.Json;
using Quell.Calls;

namespace Quell.Storage.Sqlite;

/// <summary>A row of the calls table as Dapper materialises it.</summary>
internal sealed class CallRow
{
    public long seq { get; set; }
    public string id { get; set; } = string.Empty;
    public long ts { get; set; }
    public string? tenant { get; set; }
    public string? user_id { get; set; }
    public string? feature { get; set; }
    public string operation { get; set; } = "chat";
    public string? provider { get; set; }
    public string? model { get; set; }
    public string? model_version { get; set; }
    public string? region { get; set; }
    public string? prompt_version { get; set; }
    public string? trace_id { get; set; }
    public string? session_id { get; set; }
    public double? latency_ms { get; set; }
    public double? ttft_ms { get; set; }
    public long input_tokens { get; set; }
    public long output_tokens { get; set; }
    public long cached_input_tokens { get; set; }
    public double? cost_usd { get; set; }
    public long cost_source { get; set; }
    public long status { get; set; }
    public string? error_type { get; set; }
    public string? input { get; set; }
    public string? output { get; set; }
    public string? system_prompt { get; set; }
    public string? retrieved { get; set; }
    public string? tool_calls { get; set; }
    public string? attributes { get; set; }
    public string? findings { get; set; }
    public double? injection_score { get; set; }

    public LoggedCall ToLogged() => new(seq, new CallRecord
    {
        Id = id,
        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ts),
        Tenant = tenant,
        User = user_id,
        Feature = feature,
        Operation = operation,
        Provider = provider,
        Model = model,
        ModelVersion = model_version,
        Region = region,
        PromptVersion = prompt_version,
        TraceId = trace_id,
        SessionId = session_id,
        LatencyMs = latency_ms,
        TtftMs = ttft_ms,
        InputTokens = input_tokens,
        OutputTokens = output_tokens,
        CachedInputTokens = cached_input_tokens,
        CostUsd = cost_usd,
        CostSource = (CostSource)cost_source,
        Status = (CallStatus)status,
        ErrorType = error_type,
        Input = input,
        Output = output,
        SystemPrompt = system_prompt,
        Retrieved = retrieved is null ? [] : CallRowJson.ReadRetrieved(retrieved),
        ToolCalls = tool_calls is null ? [] : CallRowJson.ReadToolCalls(tool_calls),
        AttributesJson = attributes,
        Findings = findings is null ? [] : CallRowJson.ReadFindings(findings),
        InjectionScore = injection_score,
    });
}

/// <summary>Compact JSON for the list columns of the calls table.</summary>
internal static class CallRowJson
{
    public static string WriteRetrieved(IReadOnlyList<RetrievedDocument> docs) =>
        JsonSerializer.Serialize(docs.Select(d => new[] { d.Id, d.Tenant }).ToArray(), StorageJsonContext.Default.StringArrayArray);

    public static IReadOnlyList<RetrievedDocument> ReadRetrieved(string json) =>
        JsonSerializer.Deserialize(json, StorageJsonContext.Default.StringArrayArray)!.Select(a => new RetrievedDocument(a[0]!, a.Length > 1 ? a[1] : null)).ToList();

    public static string WriteFindings(IReadOnlyList<CallFinding> findings) =>
        JsonSerializer.Serialize(findings, StorageJsonContext.Default.IReadOnlyListCallFinding);

    public static IReadOnlyList<CallFinding> ReadFindings(string json) =>
        JsonSerializer.Deserialize(json, StorageJsonContext.Default.IReadOnlyListCallFinding) ?? [];

    public static string WriteToolCalls(IReadOnlyList<ToolCallRecord> calls) =>
        JsonSerializer.Serialize(calls.Select(d => new[] { d.Name, d.ArgumentsHash }).ToArray(), StorageJsonContext.Default.StringArrayArray);

    public static IReadOnlyList<ToolCallRecord> ReadToolCalls(string json) =>
        JsonSerializer.Deserialize(json, StorageJsonContext.Default.StringArrayArray)!.Select(a => new ToolCallRecord(a[0]!, a.Length > 1 ? a[1] : null)).ToList();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string?[][]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<CallFinding>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class StorageJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
