namespace Quell.Alerts;

/// <summary>Names of the signals Quell's detectors watch.</summary>
public static class AlertSignals
{
    public const string LatencyP95 = "latency_p95";
    public const string LatencyP99 = "latency_p99";
    public const string TtftP95 = "ttft_p95";
    public const string LatencySlo = "latency_slo";
    public const string ErrorRate = "error_rate";
    public const string ErrorBudgetBurn = "error_budget_burn";
    public const string TimeoutRate = "timeout_rate";
    public const string CostPerCall = "cost_per_call";
    public const string InputTokensPerCall = "input_tokens_per_call";
    public const string OutputTokensPerCall = "output_tokens_per_call";
    public const string SpendRate = "spend_rate";
    public const string CallsPerTrace = "calls_per_trace";
    public const string RepeatedToolCalls = "repeated_tool_calls";
    public const string EvalPassRate = "eval_pass_rate";
    public const string NegativeFeedbackRate = "negative_feedback_rate";
    public const string QualityDrift = "quality_drift";
}
