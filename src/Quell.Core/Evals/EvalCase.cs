namespace Quell.Evals;

/// <summary>A named set of eval cases (a dataset), optionally tied to one feature.</summary>
public sealed record EvalSuite
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string Description { get; init; } = string.Empty;

    public string? Feature { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One eval case: what to send, how to grade the answer, and where it came from.</summary>
public sealed record EvalCase
{
    public required string Id { get; init; }

    public required string SuiteId { get; init; }

    /// <summary>The user input; sent as the last user message, or into the app's request template.</summary>
    public required string Input { get; init; }

    /// <summary>Earlier conversation turns sent before <see cref="Input"/>, if any.</summary>
    public IReadOnlyList<EvalMessage> Messages { get; init; } = [];

    public required GraderSpec Grader { get; init; }

    /// <summary>The tenant the case speaks as; foreign-tenant checks compare against it.</summary>
    public string? Tenant { get; init; }

    /// <summary>The system prompt the answer must not reveal (copied from the incident's call, so it outlives retention).</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Set for regression cases: the incident they come from. Such cases are kept forever.</summary>
    public string? IncidentId { get; init; }

    /// <summary>The call the case was copied from; the call itself may since have been purged.</summary>
    public string? SourceCallId { get; init; }

    public string? Feature { get; init; }

    public string Description { get; init; } = string.Empty;

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set once the case no longer applies (the feature was removed, the case was wrong): kept for the record, never run.</summary>
    public CaseRetirement? Retired { get; init; }
}

/// <summary>When, by whom and why a case was retired.</summary>
public sealed record CaseRetirement(DateTimeOffset At, string By, string Reason);

/// <summary>One chat message: role system, user or assistant.</summary>
public sealed record EvalMessage(string Role, string Content);

/// <summary>How an answer is graded. Which fields matter depends on <see cref="Kind"/> (see <see cref="GraderKinds"/>).</summary>
public sealed record GraderSpec
{
    public required string Kind { get; init; }

    /// <summary>exact, contains, not_contains: the text; regex: the pattern; llm_judge: the reference answer.</summary>
    public string? Value { get; init; }

    /// <summary>json_schema: the schema as JSON text.</summary>
    public string? Schema { get; init; }

    /// <summary>llm_judge: what a good answer does.</summary>
    public string? Rubric { get; init; }

    /// <summary>no_pii, no_foreign_tenant: values that must never appear; PII is kept as "sha256:HEX" of the value, never in clear.</summary>
    public IReadOnlyList<string> Forbidden { get; init; } = [];

    /// <summary>no_pii: the entity types that leaked (e.g. CREDIT_CARD); the answer fails on any of these. Empty: any PII or secret.</summary>
    public IReadOnlyList<string> Entities { get; init; } = [];

    /// <summary>latency_budget: most milliseconds the answer may take; null: it must only be answered.</summary>
    public double? MaxLatencyMs { get; init; }

    /// <summary>llm_judge: lowest passing score in 0..1. Default 0.7.</summary>
    public double Threshold { get; init; } = 0.7;

    public bool IgnoreCase { get; init; }
}

/// <summary>The grader kinds Quell knows.</summary>
public static class GraderKinds
{
    public const string Exact = "exact";
    public const string Contains = "contains";
    public const string NotContains = "not_contains";
    public const string Regex = "regex";
    public const string JsonSchema = "json_schema";
    public const string NoPii = "no_pii";
    public const string NoForeignTenant = "no_foreign_tenant";
    public const string NoSystemPrompt = "no_system_prompt";
    public const string LlmJudge = "llm_judge";
    public const string LatencyBudget = "latency_budget";

    public static IReadOnlyList<string> All { get; } = [Exact, Contains, NotContains, Regex, JsonSchema, NoPii, NoForeignTenant, NoSystemPrompt, LlmJudge, LatencyBudget];
}

/// <summary>The verdict on one answer: passed or not, an optional score in 0..1, and why.</summary>
public sealed record EvalGrade(bool Passed, double? Score, string Reason)
{
    public static EvalGrade Pass(string reason, double? score = 1) => new(true, score, reason);

    public static EvalGrade Fail(string reason, double? score = 0) => new(false, score, reason);
}

/// <summary>One case's outcome in a run: the answer (truncated), the grade, or the error that kept the target from answering.</summary>
public sealed record EvalCaseOutcome(string CaseId, bool Passed, double? Score, string Reason, string? Output, string? Error);

/// <summary>A finished run of a suite (or of an incident's regression cases) against a target.</summary>
public sealed record EvalRun
{
    public required string Id { get; init; }

    public required string SuiteId { get; init; }

    public string? IncidentId { get; init; }

    public required string Target { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    public IReadOnlyList<EvalCaseOutcome> Outcomes { get; init; } = [];

    public int Passed => Outcomes.Count(o => o.Passed);

    public int Failed => Outcomes.Count - Passed;

    public bool AllPassed => Outcomes.Count > 0 && Failed == 0;
}
