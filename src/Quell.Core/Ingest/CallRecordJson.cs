using System.Globalization;
using System.Text.Json;
using Quell.Calls;

namespace Quell.Ingest;

/// <summary>Reads and validates one native call record from JSON, naming the first field that is wrong.</summary>
public static class CallRecordJson
{
    /// <summary>Either a record or the error that refused it.</summary>
    public readonly record struct ReadResult(CallRecord? Record, RecordError? Error);

    /// <summary>Reads the fields <see cref="CallSchema"/> declares, in its order; the first error names the field.</summary>
    public static ReadResult Read(JsonElement e, IngestLimits limits, DateTimeOffset now)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return Fail("$", $"expected a JSON object, got {Describe(e.ValueKind)}");
        }

        var r = new Reader(e, limits);
        var record = CallSchema.NewRecord();
        var fields = CallSchema.Fields;
        for (var i = 0; i < fields.Count; i++)
        {
            fields[i].ReadNative(r, record);
            if (i == 0 && r.Error is not null)
            {
                return new(null, r.Error);
            }
        }

        if (r.Error is null && record.CachedInputTokens > record.InputTokens)
        {
            r.Fail("cached_input_tokens", $"{record.CachedInputTokens} exceeds input_tokens {record.InputTokens}");
        }

        return r.Error is not null ? new(null, r.Error with { Id = record.Id }) : new(record, null);
    }

    internal static bool IsKnownField(string name) => CallSchema.IsNativeField(name);

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

    internal static string Clip(string? s) => TimestampField.Clip(s);

    /// <summary>Field accessors that remember the first error so a record reports exactly one clear reason.</summary>
    private sealed class Reader(JsonElement e, IngestLimits limits) : ICallJsonReader
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

        public IReadOnlyList<RetrievedDocument> Retrieved(string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
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

        public IReadOnlyList<ToolCallRecord> ToolCalls(string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
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

        public string? Attributes(string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
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
