using Quell.Alerts;

namespace Quell.Investigation;

/// <summary>What is being investigated: an alert or incident's category, signal, feature and onset.</summary>
public sealed record InvestigationSubject(string Category, string Signal, string? Feature, DateTimeOffset Onset)
{
    public string? AlertId { get; init; }
    public string? IncidentId { get; init; }

    /// <summary>The model whose series raised the alert, when the alert names one.</summary>
    public string? Model { get; init; }

    public static InvestigationSubject From(Alert alert) =>
        new(alert.Category.ToString().ToLowerInvariant(), alert.Signal, alert.Labels.TryGetValue("feature", out var f) ? f : null, alert.OnsetEstimate)
        {
            AlertId = alert.Id,
            Model = alert.Labels.TryGetValue("model", out var m) ? m : null,
        };
}

/// <summary>Which per-call quantity an anomaly is about.</summary>
public enum AnomalyMetric
{
    /// <summary>Failed evals (quality signals): slices come from eval results.</summary>
    EvalFailures,
    Errors,
    Timeouts,
    LatencyMs,
    CostUsd,
    InputTokens,
    OutputTokens,

    /// <summary>Call volume (agent loops, spend bursts).</summary>
    Calls,
}

/// <summary>Maps alert signals to the metric whose shift they report.</summary>
public static class AnomalyMetrics
{
    public static AnomalyMetric For(string category, string signal) => signal switch
    {
        AlertSignals.EvalPassRate or AlertSignals.NegativeFeedbackRate or AlertSignals.QualityDrift => AnomalyMetric.EvalFailures,
        AlertSignals.ErrorRate or AlertSignals.ErrorBudgetBurn => AnomalyMetric.Errors,
        AlertSignals.TimeoutRate => AnomalyMetric.Timeouts,
        AlertSignals.LatencyP95 or AlertSignals.LatencyP99 or AlertSignals.TtftP95 or AlertSignals.LatencySlo => AnomalyMetric.LatencyMs,
        AlertSignals.CostPerCall or AlertSignals.SpendRate => AnomalyMetric.CostUsd,
        AlertSignals.InputTokensPerCall => AnomalyMetric.InputTokens,
        AlertSignals.OutputTokensPerCall => AnomalyMetric.OutputTokens,
        AlertSignals.CallsPerTrace or AlertSignals.RepeatedToolCalls => AnomalyMetric.Calls,
        _ => category switch
        {
            "quality" => AnomalyMetric.EvalFailures,
            "latency" => AnomalyMetric.LatencyMs,
            "cost" => AnomalyMetric.CostUsd,
            _ => AnomalyMetric.Errors,
        },
    };

    /// <summary>Words for sentences: "failing evals", "errors", "cost" …</summary>
    public static string Noun(AnomalyMetric metric) => metric switch
    {
        AnomalyMetric.EvalFailures => "failing evals",
        AnomalyMetric.Errors => "errors",
        AnomalyMetric.Timeouts => "timeouts",
        AnomalyMetric.LatencyMs => "added latency",
        AnomalyMetric.CostUsd => "added cost",
        AnomalyMetric.InputTokens => "added input tokens",
        AnomalyMetric.OutputTokens => "added output tokens",
        _ => "added calls",
    };
}
