namespace Quell.Telemetry;

/// <summary>A span decoded from OTLP with its resource attributes, before GenAI mapping.</summary>
public sealed class OtlpSpan
{
    public string TraceId { get; set; } = string.Empty;
    public string SpanId { get; set; } = string.Empty;
    public string? ParentSpanId { get; set; }
    public string Name { get; set; } = string.Empty;

    /// <summary>The instrumentation scope (library) that produced the span, e.g. <c>@opentelemetry/instrumentation-openai</c>.</summary>
    public string? Scope { get; set; }
    public int Kind { get; set; }
    public ulong StartUnixNano { get; set; }
    public ulong EndUnixNano { get; set; }

    /// <summary>0 unset, 1 ok, 2 error (OTLP StatusCode).</summary>
    public int StatusCode { get; set; }
    public string? StatusMessage { get; set; }

    /// <summary>Span attributes; values are string, long, double, bool, or object?[] for arrays.</summary>
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>Shared with every span of the same resource; never mutated after decoding.</summary>
    public IReadOnlyDictionary<string, object?> Resource { get; set; } = EmptyAttributes;

    /// <summary>Span events (name and attributes), where older GenAI instrumentations put message content.</summary>
    public List<OtlpEvent> Events { get; } = [];

    public static readonly IReadOnlyDictionary<string, object?> EmptyAttributes = new Dictionary<string, object?>();
}

/// <summary>A span event.</summary>
public sealed record OtlpEvent(string Name, ulong TimeUnixNano, IReadOnlyDictionary<string, object?> Attributes);
