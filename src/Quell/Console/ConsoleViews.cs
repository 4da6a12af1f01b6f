using System.Text.Json.Serialization;
using Quell.Response;

namespace Quell.WebConsole;

/// <summary>Who the console is signed in as and what the key may do.</summary>
public sealed record ConsoleSession(string Principal, IReadOnlyList<string> Scopes, bool Authenticated);

/// <summary>An incident's signal over time with its baseline band and the moments of its life marked.</summary>
public sealed record IncidentSeriesView(string IncidentId, string Signal, string? Feature, string? Model, ChartSeries Series, IncidentMarkers Markers, double? Observed, double? Baseline);

/// <summary>Onset, detection, acknowledgement, mitigation and fix of an incident (Unix milliseconds).</summary>
public sealed record IncidentMarkers(long? Onset, long Detected, long? Acknowledged, long? Mitigated, long? Resolved);

/// <summary>Health of every feature × model over a range, with what is open against it and who is on call.</summary>
public sealed record OverviewView(DateTimeOffset From, DateTimeOffset To, long StepMs, IReadOnlyList<long> Times, IReadOnlyList<OverviewRow> Rows, IReadOnlyList<OnCallNowNext> OnCall);

/// <summary>One feature × model: totals over the range and small series per metric.</summary>
public sealed record OverviewRow(string Feature, string Model, long Calls, double SpendUsd, double? P99Ms, double? ErrorRate, double? CostPerCall, double? EvalPassRate, double? NegativeFeedbackRate, OverviewSeries Series, IReadOnlyList<OverviewIncident> OpenIncidents, IReadOnlyList<OverviewMitigation> Mitigations);

/// <summary>Per-bucket values aligned with <see cref="OverviewView.Times"/>.</summary>
public sealed record OverviewSeries(
    [property: JsonPropertyName("p99_ms")] IReadOnlyList<double?> P99Ms,
    IReadOnlyList<double?> ErrorRate,
    IReadOnlyList<double?> CostPerCall,
    IReadOnlyList<double?> EvalPassRate,
    IReadOnlyList<double?> NegativeFeedbackRate);

public sealed record OverviewIncident(string Id, string Severity, string State, string Title, DateTimeOffset DetectedAt);

public sealed record OverviewMitigation(string Id, string Kind, string State, string Scope, DateTimeOffset CreatedAt);

/// <summary>Who is on call now and who takes over next, for one schedule.</summary>
public sealed record OnCallNowNext(string Schedule, OnCallSlot? Now, OnCallSlot? Next);

public sealed record OnCallSlot(string User, DateTimeOffset From, DateTimeOffset To);

/// <summary>What the event stream says when something changed.</summary>
public sealed record ConsoleEvent(long Version, long MitigationsVersion, IReadOnlyList<string> Incidents);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConsoleSession))]
[JsonSerializable(typeof(IncidentSeriesView))]
[JsonSerializable(typeof(OverviewView))]
[JsonSerializable(typeof(ConsoleEvent))]
internal sealed partial class ConsoleJson : JsonSerializerContext;
