namespace Quell.Telemetry;

/// <summary>
/// How GenAI content sent as OTLP log events (<c>/v1/logs</c>) meets its span's call (<c>/v1/traces</c>).
/// Defaults: the OTel Node and Python SDKs export logs every 1 s and spans every 5 s, so content nearly
/// always comes first and waits for its span; 60 s covers twelve span export rounds. A span waits for its
/// content only when its instrumentation is known to send content as logs, and at most 2 s, well inside the
/// exporters' 10 s request timeout.
/// </summary>
public sealed record LogJoinOptions
{
    /// <summary>How long content from log events waits for its span before it is dropped and counted.</summary>
    public TimeSpan ContentWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a span without content, from a scope that sends content as logs, is held for it. Zero: never hold.</summary>
    public TimeSpan SpanWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>At most this many spans' content waits at once (the oldest is dropped past it), and as many spans are held.</summary>
    public int MaxPending { get; init; } = 10_000;

    /// <summary>
    /// Instrumentation scopes known to send message content as log events. Scopes seen sending GenAI content on
    /// <c>/v1/logs</c> are added at run time.
    /// </summary>
    public IReadOnlyList<string> LogContentScopes { get; init; } =
    [
        "@opentelemetry/instrumentation-openai",
        "@elastic/opentelemetry-instrumentation-openai",
        "opentelemetry.instrumentation.openai_v2",
        "opentelemetry.instrumentation.google_genai",
        "opentelemetry.instrumentation.vertexai",
    ];

    /// <summary>Every problem with the options, for start-up validation.</summary>
    public IEnumerable<string> Validate()
    {
        if (ContentWait <= TimeSpan.Zero || ContentWait > TimeSpan.FromHours(1))
        {
            yield return $"otlp_logs.content_wait must be in (0, 1h], got {ContentWait}";
        }

        if (SpanWait < TimeSpan.Zero || SpanWait > TimeSpan.FromSeconds(8))
        {
            yield return $"otlp_logs.span_wait must be in [0, 8s] so exporters do not time out, got {SpanWait}";
        }

        if (MaxPending < 1)
        {
            yield return $"otlp_logs.max_pending must be at least 1, got {MaxPending}";
        }
    }
}
