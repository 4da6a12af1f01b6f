using Quell.Configuration;
using Quell.Incidents;
using Quell.Pricing;
using Quell.Telemetry;

namespace Quell.Ingest;

/// <summary>Bounded ingest queue and batch writer settings.</summary>
public sealed record IngestQueueOptions
{
    /// <summary>Most calls waiting to be written before new batches get 429/503. Default 200,000.</summary>
    public int Capacity { get; init; } = 200_000;

    /// <summary>Most calls written in one transaction. Default 20,000.</summary>
    public int MaxBatch { get; init; } = 20_000;

    /// <summary>Seconds a client is told to wait when the queue is full. Default 1.</summary>
    public int RetryAfterSeconds { get; init; } = 1;
}
