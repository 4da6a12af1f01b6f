namespace Quell.Telemetry;

/// <summary>An OTLP log record with its resource and scope, as far as GenAI content events need it.</summary>
public sealed class OtlpLogRecord
{
    /// <summary>Lower-case hex; empty when the record was not emitted inside a span.</summary>
    public string TraceId { get; set; } = string.Empty;
    public string SpanId { get; set; } = string.Empty;

    /// <summary>The LogRecord's event_name, else its <c>event.name</c> attribute (how older SDKs name events).</summary>
    public string EventName { get; set; } = string.Empty;
    public ulong TimeUnixNano { get; set; }
    public string? Scope { get; set; }

    /// <summary>The body: a string, number, bool, array or a map of the same (kvlist).</summary>
    public object? Body { get; set; }
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
    public IReadOnlyDictionary<string, object?> Resource { get; set; } = OtlpSpan.EmptyAttributes;
}
