using System.Text.Json;
using Quell.Ingest;

namespace Quell.Changes;

/// <summary>A deploy or configuration change: what changed, where, when and by whom.</summary>
public sealed record ChangeEvent
{
    public required string Id { get; init; }
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>prompt_version, model_version, retrieval, data_refresh, feature_flag, deploy, config, provider.</summary>
    public required string Kind { get; init; }

    /// <summary>Where it applies: feature, tenant, provider, model, region … (empty: everywhere).</summary>
    public IReadOnlyDictionary<string, string> Scope { get; init; } = new Dictionary<string, string>();
    public string? Description { get; init; }
    public string? Author { get; init; }

    /// <summary>The value before and after, e.g. prompt_version v12 → v13.</summary>
    public string? From { get; init; }
    public string? To { get; init; }

    public static readonly IReadOnlyList<string> KnownKinds = ["prompt_version", "model_version", "model", "retrieval", "data_refresh", "feature_flag", "deploy", "config", "provider", "infrastructure"];
}
