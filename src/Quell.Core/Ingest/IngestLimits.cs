namespace Quell.Ingest;

/// <summary>Limits applied to incoming telemetry; defaults suit a single-node deployment.</summary>
public sealed record IngestLimits
{
    /// <summary>Largest accepted body after decompression. Default 20 MiB.</summary>
    public long MaxBodyBytes { get; init; } = 20L * 1024 * 1024;

    /// <summary>Longest accepted content field (input, output, system prompt). Default 1 MiB of characters.</summary>
    public int MaxContentChars { get; init; } = 1024 * 1024;

    /// <summary>Longest accepted identifier or label field (id, tenant, model, …). Default 512 characters.</summary>
    public int MaxLabelChars { get; init; } = 512;

    /// <summary>Deepest JSON nesting accepted. Default 32.</summary>
    public int MaxJsonDepth { get; init; } = 32;

    /// <summary>How far in the future a timestamp may lie (clock skew). Default 1 hour.</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How far in the past a timestamp may lie. Default 400 days.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(400);

    /// <summary>Most records in one batch. Default 100,000.</summary>
    public int MaxRecordsPerBatch { get; init; } = 100_000;

    /// <summary>Most retrieved documents or tool calls on one record. Default 1,000.</summary>
    public int MaxListItems { get; init; } = 1000;

    /// <summary>
    /// Most tokens one call may report per counter. Default 100 million: ten times the largest context windows
    /// offered today (10 M tokens), so any real call passes and a corrupted counter (2^62) does not.
    /// </summary>
    public long MaxTokensPerCall { get; init; } = 100_000_000;

    /// <summary>
    /// Highest cost one call may report, in US dollars. Default 10,000: 10 M tokens at the highest list price
    /// (about $600 per million output tokens) is $6,000, so only a broken counter goes past it.
    /// </summary>
    public double MaxCostUsdPerCall { get; init; } = 10_000;

    /// <summary>Longest latency (or time to first token) one call may report. Default 24 hours, the longest agent runs.</summary>
    public TimeSpan MaxLatency { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Longest duration a caller may ask for (silence, mitigation expiry): as far ahead as data may lie behind, 400 days.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromDays(400);

    /// <summary>Longest free-text field other than call content (comments, descriptions, summaries). Default 8,192 characters.</summary>
    public int MaxTextChars { get; init; } = 8192;

    /// <summary>
    /// Most request bodies read or decoded at once; more get 503 with Retry-After before a byte is read. Default 32:
    /// enough to keep two cores busy while bodies trickle in over slow links, small enough to bound memory.
    /// </summary>
    public int MaxConcurrentBodies { get; init; } = 32;

    /// <summary>
    /// Most body bytes held at once across all requests (declared length, or as read when unknown); more get 503
    /// with Retry-After. Default 128 MiB: six maximal bodies, and a fixed ceiling on what a burst can make resident.
    /// </summary>
    public long MaxBytesInFlight { get; init; } = 128L * 1024 * 1024;

    /// <summary>Largest magnitude of any other number (scores, rates, budgets). Default 1e12: finite and far beyond any real setting.</summary>
    public double MaxNumber { get; init; } = 1e12;
}
