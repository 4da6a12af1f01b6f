using Quell.Mitigations;

namespace Quell.Runbooks;

/// <summary>A declarative runbook: which alerts or incidents it attaches to and its ordered steps.</summary>
public sealed record RunbookDefinition
{
    public string Name { get; init; } = "";
    public string Title { get; init; } = "";

    /// <summary>Categories it attaches to: quality, latency, cost, data, abuse.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Signals or scanner kinds that narrow it within a category (e.g. pii, injection); empty: any.</summary>
    public IReadOnlyList<string> Signals { get; init; } = [];
    public IReadOnlyList<RunbookStep> Steps { get; init; } = [];
}

/// <summary>What a step does.</summary>
public enum RunbookStepKind
{
    /// <summary>An automated check that queries Quell and records a finding.</summary>
    Check,

    /// <summary>A checklist item a person ticks off.</summary>
    Manual,

    /// <summary>Proposes a mitigation (never applies it): a person approves it.</summary>
    Mitigation,
}

/// <summary>One step of a runbook.</summary>
public sealed record RunbookStep
{
    public string Id { get; init; } = "";
    public string Title { get; init; } = "";
    public RunbookStepKind Kind { get; init; } = RunbookStepKind.Manual;

    /// <summary>For checks: the name of the built-in check (see <see cref="RunbookChecks"/>).</summary>
    public string? Check { get; init; }
    public string? Description { get; init; }

    /// <summary>Runs only when the finding of this earlier step needs attention (e.g. "rate limit if needed").</summary>
    public string? When { get; init; }

    /// <summary>For mitigation steps: what to propose; parameters left empty are filled from earlier findings.</summary>
    public MitigationKind? Mitigation { get; init; }
    public MitigationParameters? Parameters { get; init; }
}
