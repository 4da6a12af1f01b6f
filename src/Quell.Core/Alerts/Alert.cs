namespace Quell.Alerts;

/// <summary>A detector's finding about one series: what moved, by how much, since when, and what explains it.</summary>
public sealed record Alert
{
    public required string Id { get; init; }
    public required AlertCategory Category { get; init; }

    /// <summary>The signal that moved, e.g. <c>latency_p99</c> or <c>eval_pass_rate</c>; see <see cref="AlertSignals"/>.</summary>
    public required string Signal { get; init; }

    /// <summary>Labels of the series: feature, model, provider, operation, tenant, trace_id … as relevant.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required double Observed { get; init; }
    public required double Baseline { get; init; }
    public required DateTimeOffset OnsetEstimate { get; init; }
    public required DateTimeOffset FiredAt { get; init; }

    /// <summary>Stable hash of category, signal and series labels; equal for re-fires of the same problem.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Up to five call ids that show the problem.</summary>
    public IReadOnlyList<string> ExampleCallIds { get; init; } = [];
    public Attribution Attribution { get; init; } = Attribution.None;
    public AlertState State { get; init; } = AlertState.Firing;
    public DateTimeOffset? ResolvedAt { get; init; }
    public AlertSeverityHint SeverityHint { get; init; } = AlertSeverityHint.None;
    public string Summary { get; init; } = "";
}

/// <summary>Whether an <see cref="AlertEvent"/> opens or closes an alert.</summary>
public enum AlertEventKind
{
    Fired,
    Resolved,
}

/// <summary>One change in an alert's life, as the detection engine emits it.</summary>
public sealed record AlertEvent(AlertEventKind Kind, Alert Alert, DateTimeOffset At);
