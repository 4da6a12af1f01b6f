using Quell.Evals;

namespace Quell.Server.Evals;

/// <summary>Eval suites, cases and runs. Regression cases (those with an incident) are never deleted.</summary>
public interface IEvalStore
{
    /// <summary>Inserts or updates a suite; a second suite with the same name fails with <see cref="Storage.StorageConflictException"/>.</summary>
    Task SaveSuiteAsync(EvalSuite suite, CancellationToken ct = default);

    /// <summary>A suite by id or by name.</summary>
    Task<EvalSuite?> GetSuiteAsync(string idOrName, CancellationToken ct = default);

    Task<IReadOnlyList<EvalSuite>> ListSuitesAsync(CancellationToken ct = default);

    /// <summary>Deletes a suite and its cases unless it holds regression cases; returns null when deleted, else why not.</summary>
    Task<string?> DeleteSuiteAsync(string id, CancellationToken ct = default);

    /// <summary>Stores cases; an existing regression case keeps its content. Returns how many rows were written.</summary>
    Task<int> SaveCasesAsync(IReadOnlyList<EvalCase> cases, CancellationToken ct = default);

    Task<IReadOnlyList<EvalCase>> CasesAsync(string suiteId, CancellationToken ct = default);

    Task<IReadOnlyList<EvalCase>> CasesForIncidentAsync(string incidentId, CancellationToken ct = default);

    /// <summary>Deletes a case unless it is a regression case; returns null when deleted, else why not.</summary>
    Task<string?> DeleteCaseAsync(string suiteId, string caseId, CancellationToken ct = default);

    /// <summary>Marks a case retired (regression cases included: they stay with the reason); the case when done, else why not.</summary>
    Task<(EvalCase? Retired, string? Why)> RetireCaseAsync(string suiteId, string caseId, CaseRetirement retirement, CancellationToken ct = default);

    Task SaveRunAsync(EvalRun run, CancellationToken ct = default);

    Task<IReadOnlyList<EvalRun>> RunsAsync(string suiteId, int limit = 20, CancellationToken ct = default);

    /// <summary>The latest posted or run result of each case (suite name, case id) no older than the case itself.</summary>
    Task<IReadOnlyDictionary<string, bool>> LatestResultsAsync(string suiteName, IReadOnlyList<EvalCase> cases, CancellationToken ct = default);
}

/// <summary>The rule both stores apply when a case is retired, on the stored body they read under their lock.</summary>
public static class CaseRetirementRule
{
    /// <summary>The retired case and its new body, or why it cannot be retired (missing, or retired before).</summary>
    public static (EvalCase? Retired, string? Body, string? Why) Apply(string? body, string suiteId, string caseId, CaseRetirement retirement)
    {
        if (body is null)
        {
            return (null, null, $"no case '{caseId}' in suite {suiteId}");
        }

        var evalCase = System.Text.Json.JsonSerializer.Deserialize(body, FixAndLearnJson.Default.EvalCase)!;
        if (evalCase.Retired is { } earlier)
        {
            return (null, null, $"case {caseId} was retired by {earlier.By} at {earlier.At:u}: {earlier.Reason}");
        }

        evalCase = evalCase with { Retired = retirement };
        return (evalCase, System.Text.Json.JsonSerializer.Serialize(evalCase, FixAndLearnJson.Default.EvalCase), null);
    }
}
