using Quell.Configuration;

namespace Quell.Recurrence;

/// <summary>quell.yaml `recurrence:` — how long a resolved incident's signature is watched.</summary>
public sealed record RecurrenceConfig
{
    /// <summary>A recurrence inside this window reopens the incident; after it, a new incident is linked. Default 14 days.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromDays(14);

    /// <summary>How far back a new incident is still linked to a matching old one. Default 180 days.</summary>
    public TimeSpan LinkLookback { get; init; } = TimeSpan.FromDays(180);

    /// <summary>Labels compared between incidents besides category, feature and fingerprint; a different value means a different problem.</summary>
    public IReadOnlyList<string> Dimensions { get; init; } = ["model", "model_version", "prompt_version", "provider", "region", "tenant"];
}
