namespace Quell.Detection.Detectors;

/// <summary>An agent-loop alert opening or closing for one trace.</summary>
public sealed record LoopFinding(
    DetectorVerdict Verdict,
    string Signal,
    string TraceId,
    string? Feature,
    string? Tenant,
    double Observed,
    double Baseline,
    DateTimeOffset Onset,
    IReadOnlyList<string> ExampleCallIds,
    string? ToolName);
