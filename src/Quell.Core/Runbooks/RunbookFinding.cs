using Quell.Investigation;
using Quell.Mitigations;

namespace Quell.Runbooks;

/// <summary>How a step came out.</summary>
public enum FindingStatus
{
    /// <summary>Nothing wrong found here.</summary>
    Ok,

    /// <summary>Something here explains or worsens the incident.</summary>
    Attention,

    /// <summary>Facts without a verdict (e.g. no data to compare).</summary>
    Info,

    /// <summary>A manual item waiting for a person.</summary>
    Todo,

    /// <summary>A mitigation was proposed and waits for approval.</summary>
    Proposed,

    /// <summary>Skipped: its condition did not hold.</summary>
    Skipped,
    Error,
}

/// <summary>What one runbook step found, with data for the timeline and an optional suggested mitigation.</summary>
public sealed record RunbookFinding
{
    public required string StepId { get; init; }
    public required string Title { get; init; }
    public RunbookStepKind Kind { get; init; }
    public FindingStatus Status { get; init; }
    public string Summary { get; init; } = "";
    public object? Data { get; init; }

    /// <summary>Settings a later mitigation step should use (e.g. the version to roll back to).</summary>
    public MitigationParameters? Suggestion { get; init; }

    /// <summary>Scope a later mitigation step should use (e.g. the leaking tenant or user).</summary>
    public MitigationScope? SuggestedScope { get; init; }
    public string? MitigationId { get; init; }
}

/// <summary>A runbook run: which runbook, about what, and the findings in step order.</summary>
public sealed record RunbookRun(string Runbook, string Title, InvestigationSubject Subject, IReadOnlyList<RunbookFinding> Findings);
