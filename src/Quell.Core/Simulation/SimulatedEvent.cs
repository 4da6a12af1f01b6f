using Quell.Calls;

namespace Quell.Simulation;

/// <summary>Something the simulated application emits at a simulated time.</summary>
public abstract record SimulatedEvent(DateTimeOffset Timestamp);

/// <summary>A model call made by the simulated application.</summary>
public sealed record SimulatedCall(CallRecord Call) : SimulatedEvent(Call.Timestamp);

/// <summary>A deploy or configuration change recorded by the simulated team.</summary>
public sealed record SimulatedChange(DateTimeOffset At, string Kind, string Scope, string Description, string Author, IReadOnlyDictionary<string, string> Attributes) : SimulatedEvent(At);

/// <summary>One graded case of an ongoing eval run.</summary>
public sealed record SimulatedEvalResult(DateTimeOffset At, string Suite, string CaseId, string Feature, bool Passed, double Score, string? Model, string? ModelVersion, string? PromptVersion) : SimulatedEvent(At);

/// <summary>A user's thumbs up or down on an answer.</summary>
public sealed record SimulatedFeedback(DateTimeOffset At, string CallId, string Feature, bool Positive, string? Comment, string? Tenant = null, string? Model = null, string? ModelVersion = null, string? PromptVersion = null) : SimulatedEvent(At);
