using System.Text.Json.Serialization;
using Quell.Evals;
using Quell.Postmortems;

namespace Quell.Server.Evals;

/// <summary>Source-generated snake_case JSON for eval, post-mortem, search and report bodies, stored and served alike.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowTrailingCommas = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(EvalSuite))]
[JsonSerializable(typeof(List<EvalSuite>))]
[JsonSerializable(typeof(EvalCase))]
[JsonSerializable(typeof(CaseRetirement))]
[JsonSerializable(typeof(List<EvalCase>))]
[JsonSerializable(typeof(EvalRun))]
[JsonSerializable(typeof(List<EvalRun>))]
[JsonSerializable(typeof(Postmortem))]
[JsonSerializable(typeof(List<Postmortem>))]
[JsonSerializable(typeof(IncidentReport))]
[JsonSerializable(typeof(List<MemoryHit>))]
[JsonSerializable(typeof(List<Quell.Recurrence.SimilarIncident>))]
[JsonSerializable(typeof(VerificationStatus))]
[JsonSerializable(typeof(RegressionCasesResponse))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(CaseInput))]
internal sealed partial class FixAndLearnJson : JsonSerializerContext;

/// <summary>A search hit in incident memory: an incident or a post-mortem, best first.</summary>
public sealed record MemoryHit(string Kind, string Id, string Title, string Snippet, double Rank);

/// <summary>Where an incident stands against its regression cases.</summary>
public sealed record VerificationStatus(string IncidentId, int Cases, int Passed, int Failed, int Pending, bool Verified, string? Override, string Reason);

/// <summary>What adding an incident's calls to the eval set did.</summary>
public sealed record RegressionCasesResponse(string IncidentId, string SuiteId, int Added, int Skipped, IReadOnlyList<EvalCase> Cases)
{
    /// <summary>Why no case could be made for the incident (no judge and no reference answer); answered as a 422.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Problem { get; init; }
}
