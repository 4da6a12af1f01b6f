using System.Globalization;
using System.Text.Json;
using Quell.Calls;

namespace Quell.Ingest;

/// <summary>Reads and validates one native call record from JSON, naming the first field that is wrong.</summary>
public static class CallRecordJson
{
    /// <summary>Either a record or the error that refused it.</summary>
    public readonly record struct ReadResult(CallRecord? Record, RecordError? Error);

    private static readonly HashSet<string> KnownFields =
    [
        "id", "timestamp", "tenant", "user", "feature", "operation", "provider", "model", "model_version", "region",
        "prompt_version", "trace_id", "session_id", "latency_ms", "ttft_ms", "input_tokens", "output_tokens",
        "cached_input_tokens", "cost_usd", "status", "error_type", "input", "output", "system_prompt", "retrieved",
        "tool_calls", "attributes",
    ];

    public static ReadResult Read(JsonElement e, IngestLimits limits, DateTimeOffset now)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return Fail("$", $"expected a JSON object, got {Describe(e.ValueKind)}");
        }

        var r = new Reader(e, limits);
        var id = r.Label("id", required: true);
        if (r.Error is not null)
        {
            return new(null, r.Error);
        }

        var tsText = r.Label("timestamp", required: true);
        DateTimeOffset ts = default;
        if (r.Error is null)
        {
            // The allowed range is one of the shared input rules (Quell.Validation), checked after decoding.
            if (!DateTimeOffset.TryParse(tsText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out ts))
            {
                r.Fail("timestamp", $"'{Clip(tsText)}' is not an RFC 3339 time");
            }
        }

        var status = r.Label("status") ?? "ok";
        var callStatus = status switch
        {
            "ok" or "OK" or "success" => CallStatus.Ok,
            "error" or "ERROR" or "failed" => CallStatus.Error,
            _ => CallStatus.Ok,
        };
        if (status is not ("ok" or "OK" or "success" or "error" or "ERROR" or "failed"))
        {
            r.Fail("status", $"'{Clip(status)}' is not one of ok, error");
        }

        var errorType = r.Label("error_type");
        var record = new CallRecord
        {
            Id = id!,
            Timestamp = ts,
            Tenant = r.Label("tenant"),
            User = r.Label("user"),
            Feature = r.Label("feature"),
            Operation = r.Label("operation") ?? "chat",
            Provider = r.Label("provider"),
            Model = r.Label("model"),
            ModelVersion = r.Label("model_version"),
            Region = r.Label("region"),
            PromptVersion = r.Label("prompt_version"),
            TraceId = r.Label("trace_id"),
            SessionId = r.Label("session_id"),
            LatencyMs = r.NonNegativeNumber("latency_ms"),
            TtftMs = r.NonNegativeNumber("ttft_ms"),
            InputTokens = r.Tokens("input_tokens"),
            OutputTokens = r.Tokens("output_tokens"),
            CachedInputTokens = r.Tokens("cached_input_tokens"),
            CostUsd = r.NonNegativeNumber("cost_usd"),
            Status = callStatus,
            ErrorType = callStatus == CallStatus.Error ? ErrorTypes.Normalize(errorType) : errorType,
            Input = r.Content("input"),
            Output = r.Content("output"),
            SystemPrompt = r.Content("system_prompt"),
            Retrieved = r.Retrieved(),
            ToolCalls = r.ToolCalls(),
            AttributesJson = r.Attributes(),
        };
        if (r.Error is null && record.CachedInputTokens > record.InputTokens)
        {
            r.Fail("cached_input_tokens", $"{record.CachedInputTokens} exceeds input_tokens {record.InputTokens}");
        }

        if (r.Error is not null)
        {
            return new(null, r.Error with { Id = id });
        }

        return new(record with { CostSource = record.CostUsd is null ? CostSource.Unknown : CostSource.Reported }, null);
    }

    internal static bool IsKnownField(string name) => KnownFields.Contains(name);

    private static ReadResult Fail(string field, string message) => new(null, new RecordError(0, field, message));

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    internal static string Clip(string? s) => s is null ? string.Empty : s.Length <= 40 ? s : s[..40] + "…";

    /// <summary>Field accessors that remember the first error so a record reports exactly one clear reason.</summary>
    private sealed class Reader(JsonElement e, IngestLimits limits)
    {
        public RecordError? Error { get; private set; }

        public void Fail(string field, string message) => Error ??= new RecordError(0, field, message);

        public string? Label(string name, bool required = false)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    Fail(name, "is required");
                }

                return null;
            }

            if (v.ValueKind != JsonValueKind.String)
            {
                if (v.ValueKind == JsonValueKind.Number && name is not "timestamp")
                {
                    return v.GetRawText();
                }

                Fail(name, $"expected a string, got {Describe(v.ValueKind)}");
                return null;
            }

            var s = v.GetString()!;
            if (s.Length > limits.MaxLabelChars)
            {
                Fail(name, $"is {s.Length} characters long; the limit is {limits.MaxLabelChars}");
                return null;
            }

            if (required && s.Length == 0)
            {
                Fail(name, "must not be empty");
                return null;
            }

            return s;
        }

        public string? Content(string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (v.ValueKind != JsonValueKind.String)
            {
                Fail(name, $"expected a string, got {Describe(v.ValueKind)}");
                return null;
            }

            var s = v.GetString()!;
            if (s.Length > limits.MaxContentChars)
            {
                Fail(name, $"is {s.Length} characters long; the limit is {limits.MaxContentChars}");
                return null;
            }

            return s;
        }

        public double? NonNegativeNumber(string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || !double.IsFinite(d))
            {
                Fail(name, $"expected a number, got {Describe(v.ValueKind)}");
                return null;
            }

            if (d < 0)
            {
                Fail(name, $"must be >= 0, got {v.GetRawText()}");
                return null;
            }

            return d;
        }

        public long Tokens(string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return 0;
            }

            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n))
            {
                Fail(name, $"expected a whole number, got {(v.ValueKind == JsonValueKind.Number ? v.GetRawText() : Describe(v.ValueKind))}");
                return 0;
            }

            if (n < 0)
            {
                Fail(name, $"must be >= 0, got {n}");
                return 0;
            }

            return n;
        }

        public IReadOnlyList<RetrievedDocument> Retrieved()
        {
            if (!e.TryGetProperty("retrieved", out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (v.ValueKind != JsonValueKind.Array)
            {
                Fail("retrieved", $"expected an array, got {Describe(v.ValueKind)}");
                return [];
            }

            var list = new List<RetrievedDocument>();
            var i = 0;
            foreach (var item in v.EnumerateArray())
            {
                if (i >= limits.MaxListItems)
                {
                    Fail("retrieved", $"has more than {limits.MaxListItems} documents");
                    return [];
                }

                if (item.ValueKind == JsonValueKind.String)
                {
                    list.Add(new RetrievedDocument(item.GetString()!, null));
                }
                else if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var docId) && docId.ValueKind == JsonValueKind.String)
                {
                    string? owner = item.TryGetProperty("tenant", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    list.Add(new RetrievedDocument(docId.GetString()!, owner));
                }
                else
                {
                    Fail($"retrieved[{i}]", "expected {\"id\": string, \"tenant\": string}");
                    return [];
                }

                i++;
            }

            return list;
        }

        public IReadOnlyList<ToolCallRecord> ToolCalls()
        {
            if (!e.TryGetProperty("tool_calls", out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (v.ValueKind != JsonValueKind.Array)
            {
                Fail("tool_calls", $"expected an array, got {Describe(v.ValueKind)}");
                return [];
            }

            var list = new List<ToolCallRecord>();
            var i = 0;
            foreach (var item in v.EnumerateArray())
            {
                if (i >= limits.MaxListItems)
                {
                    Fail("tool_calls", $"has more than {limits.MaxListItems} tool calls");
                    return [];
                }

                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String)
                {
                    Fail($"tool_calls[{i}]", "expected {\"name\": string, \"arguments_hash\": string}");
                    return [];
                }

                string? hash = item.TryGetProperty("arguments_hash", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
                list.Add(new ToolCallRecord(n.GetString()!, hash));
                i++;
            }

            return list;
        }

        public string? Attributes()
        {
            if (!e.TryGetProperty("attributes", out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (v.ValueKind != JsonValueKind.Object)
            {
                Fail("attributes", $"expected an object, got {Describe(v.ValueKind)}");
                return null;
            }

            var raw = v.GetRawText();
            if (raw.Length > limits.MaxContentChars)
            {
                Fail("attributes", $"is {raw.Length} characters long; the limit is {limits.MaxContentChars}");
                return null;
            }

            return raw == "{}" ? null : raw;
        }
    }
}
