using System.Globalization;
using System.Text.Json;

namespace Quell.Telemetry;

/// <summary>Decodes OTLP/JSON (hex ids, lowerCamelCase or original field names, 64-bit integers as strings or numbers).</summary>
public static class OtlpJsonDecoder
{
    private const int MaxValueDepth = 16;

    /// <summary>Decodes all spans; throws <see cref="JsonException"/> or <see cref="FormatException"/> with what is wrong.</summary>
    public static List<OtlpSpan> Decode(ReadOnlyMemory<byte> payload, int maxDepth = 64)
    {
        using var doc = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = maxDepth });
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("expected an ExportTraceServiceRequest object at the top level");
        }

        var spans = new List<OtlpSpan>();
        foreach (var rs in Array(root, "resourceSpans", "resource_spans"))
        {
            IReadOnlyDictionary<string, object?> resource = OtlpSpan.EmptyAttributes;
            if (Get(rs, "resource") is { ValueKind: JsonValueKind.Object } res)
            {
                var attrs = new Dictionary<string, object?>(StringComparer.Ordinal);
                ReadAttributes(res, attrs, 0);
                resource = attrs;
            }

            foreach (var ss in Array(rs, "scopeSpans", "scope_spans").Concat(Array(rs, "instrumentationLibrarySpans", "instrumentation_library_spans")))
            {
                var scope = ScopeName(ss);
                foreach (var s in Array(ss, "spans", "spans"))
                {
                    var span = ReadSpan(s);
                    span.Resource = resource;
                    span.Scope = scope;
                    spans.Add(span);
                }
            }
        }

        return spans;
    }

    private static OtlpSpan ReadSpan(JsonElement s)
    {
        if (s.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a span must be a JSON object");
        }

        var span = new OtlpSpan
        {
            TraceId = Id(s, "traceId", "trace_id"),
            SpanId = Id(s, "spanId", "span_id"),
            Name = Get(s, "name")?.GetString() ?? string.Empty,
            Kind = (int)Integer(Get(s, "kind")),
            StartUnixNano = (ulong)Integer(Get(s, "startTimeUnixNano") ?? Get(s, "start_time_unix_nano")),
            EndUnixNano = (ulong)Integer(Get(s, "endTimeUnixNano") ?? Get(s, "end_time_unix_nano")),
        };
        var parent = Id(s, "parentSpanId", "parent_span_id");
        span.ParentSpanId = parent.Length == 0 ? null : parent;
        ReadAttributes(s, span.Attributes, 0);
        foreach (var e in Array(s, "events", "events"))
        {
            var attrs = new Dictionary<string, object?>(StringComparer.Ordinal);
            ReadAttributes(e, attrs, 0);
            span.Events.Add(new OtlpEvent(Get(e, "name")?.GetString() ?? string.Empty, (ulong)Integer(Get(e, "timeUnixNano") ?? Get(e, "time_unix_nano")), attrs));
        }

        if (Get(s, "status") is { ValueKind: JsonValueKind.Object } status)
        {
            span.StatusMessage = Get(status, "message")?.GetString();
            var code = Get(status, "code");
            span.StatusCode = code?.ValueKind == JsonValueKind.String
                ? code.Value.GetString() switch { "STATUS_CODE_OK" => 1, "STATUS_CODE_ERROR" => 2, _ => 0 }
                : (int)Integer(code);
        }

        return span;
    }

    /// <summary>The name of a scopeSpans/scopeLogs entry's scope (or its older instrumentationLibrary).</summary>
    internal static string? ScopeName(JsonElement scoped) =>
        (Get(scoped, "scope") ?? Get(scoped, "instrumentationLibrary") ?? Get(scoped, "instrumentation_library")) is { ValueKind: JsonValueKind.Object } scope
        && Get(scope, "name") is { ValueKind: JsonValueKind.String } name
            ? name.GetString()
            : null;

    internal static string Id(JsonElement s, string camel, string snake)
    {
        var v = Get(s, camel) ?? Get(s, snake);
        if (v is null || v.Value.ValueKind == JsonValueKind.Null)
        {
            return string.Empty;
        }

        if (v.Value.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"{camel} must be a hex string");
        }

        return v.Value.GetString()!.ToLowerInvariant();
    }

    internal static void ReadAttributes(JsonElement owner, Dictionary<string, object?> into, int depth)
    {
        foreach (var kv in Array(owner, "attributes", "attributes"))
        {
            ReadKeyValue(kv, into, depth);
        }
    }

    private static void ReadKeyValue(JsonElement kv, Dictionary<string, object?> into, int depth)
    {
        if (kv.ValueKind != JsonValueKind.Object || Get(kv, "key") is not { ValueKind: JsonValueKind.String } key)
        {
            throw new FormatException("an attribute must be an object with a string 'key'");
        }

        into[key.GetString()!] = Get(kv, "value") is { } value ? ReadAnyValue(value, depth + 1) : null;
    }

    internal static object? ReadAnyValue(JsonElement v, int depth)
    {
        if (depth > MaxValueDepth)
        {
            throw new FormatException($"attribute values nested deeper than {MaxValueDepth}");
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var p in v.EnumerateObject())
        {
            switch (p.Name)
            {
                case "stringValue" or "string_value":
                    return p.Value.GetString();
                case "boolValue" or "bool_value":
                    return p.Value.ValueKind == JsonValueKind.True;
                case "intValue" or "int_value":
                    return Integer(p.Value);
                case "doubleValue" or "double_value":
                    return p.Value.ValueKind == JsonValueKind.String
                        ? double.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture)
                        : p.Value.GetDouble();
                case "bytesValue" or "bytes_value":
                    return p.Value.GetString();
                case "arrayValue" or "array_value":
                    return Array(p.Value, "values", "values").Select(x => ReadAnyValue(x, depth + 1)).ToArray();
                case "kvlistValue" or "kvlist_value":
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var kv in Array(p.Value, "values", "values"))
                    {
                        ReadKeyValue(kv, map, depth + 1);
                    }

                    return map;
            }
        }

        return null;
    }

    internal static long Integer(JsonElement? v)
    {
        if (v is not { } e || e.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        if (e.ValueKind == JsonValueKind.String)
        {
            var s = e.GetString()!;
            if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
            {
                return l;
            }

            if (ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var u))
            {
                return unchecked((long)u);
            }

            throw new FormatException($"'{s}' is not an integer");
        }

        if (e.ValueKind == JsonValueKind.Number)
        {
            if (e.TryGetInt64(out var l))
            {
                return l;
            }

            if (e.TryGetUInt64(out var u))
            {
                return unchecked((long)u);
            }
        }

        throw new FormatException($"expected an integer, got {e.ValueKind}");
    }

    internal static JsonElement? Get(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : null;

    internal static IEnumerable<JsonElement> Array(JsonElement e, string camel, string snake)
    {
        var v = Get(e, camel) ?? Get(e, snake);
        if (v is not { } a || a.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (a.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"'{camel}' must be an array");
        }

        return a.EnumerateArray();
    }
}
