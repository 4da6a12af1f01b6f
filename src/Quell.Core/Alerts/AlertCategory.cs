namespace Quell.Alerts;

/// <summary>The five kinds of AI incident an alert can belong to.</summary>
public enum AlertCategory
{
    Quality,
    Latency,
    Cost,
    Data,
    Abuse,
}

/// <summary>Whether an alert is still firing.</summary>
public enum AlertState
{
    Firing,
    Resolved,
}

/// <summary>A detector's hint for incident severity; the incident policy has the final word.</summary>
public enum AlertSeverityHint
{
    None,
    Low,
    Medium,
    High,
}
