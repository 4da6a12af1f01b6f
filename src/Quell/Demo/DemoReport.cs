using System.Text.Json.Serialization;
using Quell.Response;

namespace Quell.Demo;

/// <summary>The machine-readable outcome of a demo run (`quell demo --json`); keys are part of the contract.</summary>
public sealed record DemoReport
{
    public int Seed { get; init; }
    public required SimulatedSpan Simulated { get; init; }
    public long Calls { get; init; }
    public double CostUsd { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long UnpricedCalls { get; init; }
    public IReadOnlyList<UsageLine> ByFeature { get; init; } = [];
    public IReadOnlyList<UsageLine> ByModel { get; init; } = [];
    public IReadOnlyList<UsageLine> ByTenant { get; init; } = [];
    public IReadOnlyList<ScenarioOutcome> Scenarios { get; init; } = [];
    public IReadOnlyList<FalseAlarm> FalseAlarms { get; init; } = [];

    /// <summary>Every alert raised during the run, scenario or not.</summary>
    public int Alerts { get; init; }
    public IReadOnlyList<DemoIncident> Incidents { get; init; } = [];
    public required IngestFigures Ingest { get; init; }
    public string? DataDirectory { get; init; }
}

/// <summary>The simulated time range.</summary>
public sealed record SimulatedSpan(DateTimeOffset From, DateTimeOffset To);

/// <summary>Usage of one feature, model or tenant.</summary>
public sealed record UsageLine(string Key, long Calls, long Errors, long InputTokens, long OutputTokens, double CostUsd);

/// <summary>What happened to one injected scenario.</summary>
public sealed record ScenarioOutcome
{
    public required string Name { get; init; }
    public required string Category { get; init; }
    public required DateTimeOffset Onset { get; init; }
    public DateTimeOffset? End { get; init; }
    public string? Feature { get; init; }
    public string? Description { get; init; }
    public string? ExpectedAttribution { get; init; }
    public bool? AttributionCorrect { get; init; }
    public string? AlertId { get; init; }
    public string? AlertFingerprint { get; init; }
    public IReadOnlyList<string> AlertSignals { get; init; } = [];
    public bool Detected { get; init; }
    public DateTimeOffset? DetectedAt { get; init; }
    public double? DelaySeconds { get; init; }
    public string? DetectedCategory { get; init; }
    public string? Signal { get; init; }
    public string? IncidentId { get; init; }
    public string? Severity { get; init; }
    public string? Attribution { get; init; }
    public IReadOnlyList<string> Paged { get; init; } = [];
    public DemoMitigation? Mitigation { get; init; }

    /// <summary>
    /// Calls the scenario damaged after its runbook's mitigation took effect (the app obeyed it) until the fix; with no
    /// mitigation applied, everything it damaged after its detection. The target is 0.
    /// </summary>
    public int? DamageAfterMitigation { get; init; }

    /// <summary>Calls the scenario damaged before the mitigation took effect.</summary>
    public int? DamageBeforeMitigation { get; init; }

    /// <summary>What one damaged call is for this scenario ("looping calls past the 8th of a run").</summary>
    public string? DamageUnit { get; init; }
    public double? TimeToAcknowledgeSeconds { get; init; }
    public int? RegressionCases { get; init; }
    public string? Verification { get; init; }
    public string? Recurrence { get; init; }
    public string? TopChange { get; init; }
    public string? TopChangeSentence { get; init; }
    public string? CauseChange { get; init; }
    public bool? TopChangeCorrect { get; init; }
    public string? Postmortem { get; init; }
    public IReadOnlyList<string> SimilarIncidents { get; init; } = [];
}

/// <summary>An alert that fired outside every scenario's window.</summary>
public sealed record FalseAlarm(string Category, string Signal, DateTimeOffset At, IReadOnlyDictionary<string, string> Labels);

/// <summary>How the real ingest path performed during the demo.</summary>
public sealed record IngestFigures(long CallsSent, long Accepted, long Rejected, long Feedback, long EvalResults, long Changes, double WallSeconds, double CallsPerSecond)
{
    /// <summary>Events the PagerDuty stand-in accepted and messages the Slack stand-in received.</summary>
    public long PagerDutyEvents { get; init; }
    public long SlackMessages { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DemoReport))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;

/// <summary>An incident the demo's alerts opened, with who was paged and when.</summary>
public sealed record DemoIncident
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Category { get; init; }
    public required string Severity { get; init; }
    public string? SeverityReason { get; init; }
    public required string State { get; init; }
    public string? Feature { get; init; }
    public DateTimeOffset DetectedAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public double? TimeToDetectSeconds { get; init; }
    public double? TimeToAcknowledgeSeconds { get; init; }
    public int Alerts { get; init; }
    public IReadOnlyList<string> Paged { get; init; } = [];
    public IReadOnlyList<string> Notifications { get; init; } = [];
    public IReadOnlyList<string> AlertIds { get; init; } = [];
    public IReadOnlyList<string> AlertFingerprints { get; init; } = [];
    public string? Attribution { get; init; }
    public IReadOnlyList<string> Related { get; init; } = [];

    /// <summary>The response facts of each episode (a recurrence that reopened the incident starts one), oldest first.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Quell.Postmortems.ResponseFacts> Episodes { get; init; } = [];

    /// <summary>The episode under way at <paramref name="at"/>: the last one detected at or before it (the first when none was).</summary>
    public Quell.Postmortems.ResponseFacts? EpisodeAt(DateTimeOffset at) =>
        Episodes.LastOrDefault(e => e.Detected.At <= at) ?? (Episodes.Count > 0 ? Episodes[0] : null);

    /// <summary>The episode whose detection is closest to an alert fired at <paramref name="at"/> (the incident may take it in a little later).</summary>
    public Quell.Postmortems.ResponseFacts? EpisodeNear(DateTimeOffset at) =>
        Episodes.OrderBy(e => (e.Detected.At - at).Duration()).FirstOrDefault();
}

/// <summary>A mitigation applied for a scenario (filled once the control plane runs in the demo).</summary>
public sealed record DemoMitigation
{
    public string? Kind { get; init; }
    public string? Description { get; init; }
    public bool Auto { get; init; }
    public DateTimeOffset? ProposedAt { get; init; }
    public DateTimeOffset? AppliedAt { get; init; }
    public double? TimeToMitigateSeconds { get; init; }

    /// <summary>Calls the scenario damaged (leaks, loops, slow or failed answers …) before and after the mitigation: the bleeding.</summary>
    public int DamagedBefore { get; init; }
    public int DamagedAfter { get; init; }
    public string? Runbook { get; init; }
    public int RunbookFindings { get; init; }

    /// <summary>The runbook's proposals the on-call approved, and the effect the runbook expected of each.</summary>
    public IReadOnlyList<string> MitigationIds { get; init; } = [];
    public IReadOnlyList<string> ExpectedEffects { get; init; } = [];

    /// <summary>How often the on-call renewed it before it expired, until the fix shipped.</summary>
    public int Renewals { get; init; }
}
