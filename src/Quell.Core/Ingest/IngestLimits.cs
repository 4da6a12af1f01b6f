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
}
