namespace Quell.Incidents;

/// <summary>One alert as the incidents part sees it: detectors and Alertmanager both map onto this record.</summary>
public sealed record IncidentSignal
{
    /// <summary>Identifies this firing of the alert (unique per emission).</summary>
    public required string AlertId { get; init; }

    /// <summary>Identifies the alert across firings; equal fingerprints are the same alert and are deduplicated.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>quality, latency, cost, data, abuse or infrastructure.</summary>
    public required string Category { get; init; }

    /// <summary>What was measured, e.g. "p95_latency" or "eval_pass_rate".</summary>
    public string Signal { get; init; } = string.Empty;

    /// <summary>feature, provider, model, region, tenant, alertname and anything else the source attached.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public string Summary { get; init; } = string.Empty;

    /// <summary>What the detector blames, e.g. "model version gpt-4o-2026-05-13 on support_chat".</summary>
    public string? Attribution { get; init; }

    public double? Observed { get; init; }

    public double? Baseline { get; init; }

    public required DateTimeOffset FiredAt { get; init; }

    /// <summary>When the problem probably started; time to detect is measured from here.</summary>
    public DateTimeOffset? OnsetEstimate { get; init; }

    public SignalState State { get; init; } = SignalState.Firing;

    public IReadOnlyList<string> ExampleCallIds { get; init; } = [];

    public IReadOnlyList<string> AffectedTenants { get; init; } = [];

    public long AffectedUsers { get; init; }

    public long AffectedCalls { get; init; }

    /// <summary>Tenants seen in the detection window; with <see cref="AffectedTenants"/> gives the blast radius.</summary>
    public int TotalTenants { get; init; }

    public long TotalUsers { get; init; }

    public long TotalCalls { get; init; }

    /// <summary>quell or alertmanager.</summary>
    public string Source { get; init; } = "quell";

    /// <summary>The alert says a model provider is down; related latency and error alerts on that provider are inhibited.</summary>
    public bool VendorOutage { get; init; }

    public string? Label(string name) => Labels.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    public string? Feature => Label("feature");

    public string? Provider => Label("provider");
}

/// <summary>Whether an alert is firing or has resolved.</summary>
public enum SignalState
{
    Firing,
    Resolved,
}

/// <summary>The categories an alert can file under.</summary>
public static class SignalCategories
{
    public const string Quality = "quality";
    public const string Latency = "latency";
    public const string Cost = "cost";
    public const string Data = "data";
    public const string Abuse = "abuse";
    public const string Infrastructure = "infrastructure";

    public static IReadOnlyList<string> All { get; } = [Quality, Latency, Cost, Data, Abuse, Infrastructure];
}
