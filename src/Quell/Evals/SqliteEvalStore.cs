using System.Text.Json;
using Dapper;
using Quell.Evals;
using Quell.Storage.Sqlite;

namespace Quell.Server.Evals;

/// <summary>Eval suites, cases and runs in SQLite. Regression cases (those with an incident) are never deleted.</summary>
public sealed class SqliteEvalStore(SqliteDatabase database) : IEvalStore
{
    public async Task SaveSuiteAsync(EvalSuite suite, CancellationToken ct = default)
    {
        using var c = database.Open();
        try
        {
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO eval_suites(id, name, created_at, body) VALUES (@Id, @Name, @at, @body) ON CONFLICT(id) DO UPDATE SET name = excluded.name, body = excluded.body",
                new { suite.Id, suite.Name, at = suite.CreatedAt.ToUnixTimeMilliseconds(), body = JsonSerializer.Serialize(suite, FixAndLearnJson.Default.EvalSuite) },
                cancellationToken: ct)).ConfigureAwait(false);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            throw new Quell.Storage.StorageConflictException($"a suite named '{suite.Name}' exists", ex);
        }
    }

    /// <summary>A suite by id or by name.</summary>
    public async Task<EvalSuite?> GetSuiteAsync(string idOrName, CancellationToken ct = default)
    {
        using var c = database.Open();
        var body = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT body FROM eval_suites WHERE id = @idOrName OR name = @idOrName LIMIT 1", new { idOrName }, cancellationToken: ct)).ConfigureAwait(false);
        return body is null ? null : JsonSerializer.Deserialize(body, FixAndLearnJson.Default.EvalSuite);
    }

    public async Task<IReadOnlyList<EvalSuite>> ListSuitesAsync(CancellationToken ct = default)
    {
        using var c = database.Open();
        var bodies = await c.QueryAsync<string>(new CommandDefinition("SELECT body FROM eval_suites ORDER BY name", cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize(b, FixAndLearnJson.Default.EvalSuite)!).ToList();
    }

    /// <summary>Deletes a suite and its cases unless it holds regression cases; returns null when deleted, else why not.</summary>
    public async Task<string?> DeleteSuiteAsync(string id, CancellationToken ct = default)
    {
        using var c = database.Open();
        using var tx = c.BeginTransaction();
        var kept = await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM eval_cases WHERE suite_id = @id AND incident_id IS NOT NULL", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (kept > 0)
        {
            return $"suite {id} holds {kept} regression case(s) from incidents; they are kept forever";
        }

        await c.ExecuteAsync(new CommandDefinition("DELETE FROM eval_cases WHERE suite_id = @id; DELETE FROM eval_suites WHERE id = @id", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        tx.Commit();
        return null;
    }

    /// <summary>Stores cases; an existing regression case keeps its content. Returns how many were new.</summary>
    public async Task<int> SaveCasesAsync(IReadOnlyList<EvalCase> cases, CancellationToken ct = default)
    {
        using var c = database.Open();
        using var tx = c.BeginTransaction();
        var added = 0;
        foreach (var e in cases)
        {
            added += await c.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO eval_cases(id, suite_id, incident_id, created_at, body) VALUES (@Id, @SuiteId, @IncidentId, @at, @body)
                ON CONFLICT(id) DO UPDATE SET body = excluded.body, suite_id = excluded.suite_id WHERE eval_cases.incident_id IS NULL
                """,
                new { e.Id, e.SuiteId, e.IncidentId, at = e.CreatedAt.ToUnixTimeMilliseconds(), body = JsonSerializer.Serialize(e, FixAndLearnJson.Default.EvalCase) },
                tx,
                cancellationToken: ct)).ConfigureAwait(false);
        }

        tx.Commit();
        return added;
    }

    public Task<IReadOnlyList<EvalCase>> CasesAsync(string suiteId, CancellationToken ct = default) =>
        QueryCasesAsync("SELECT body FROM eval_cases WHERE suite_id = @key ORDER BY created_at, id", suiteId, ct);

    public Task<IReadOnlyList<EvalCase>> CasesForIncidentAsync(string incidentId, CancellationToken ct = default) =>
        QueryCasesAsync("SELECT body FROM eval_cases WHERE incident_id = @key ORDER BY created_at, id", incidentId, ct);

    /// <summary>Deletes a case unless it is a regression case; returns null when deleted, else why not.</summary>
    public async Task<string?> DeleteCaseAsync(string suiteId, string caseId, CancellationToken ct = default)
    {
        using var c = database.Open();
        var incident = await c.QuerySingleOrDefaultAsync<(string Id, string? IncidentId)?>(new CommandDefinition("SELECT id, incident_id FROM eval_cases WHERE id = @caseId AND suite_id = @suiteId", new { caseId, suiteId }, cancellationToken: ct)).ConfigureAwait(false);
        if (incident is null)
        {
            return $"no case '{caseId}' in suite {suiteId}";
        }

        if (incident.Value.IncidentId is { } inc)
        {
            return $"case {caseId} is a regression case from incident {inc}; it is kept forever";
        }

        await c.ExecuteAsync(new CommandDefinition("DELETE FROM eval_cases WHERE id = @caseId", new { caseId }, cancellationToken: ct)).ConfigureAwait(false);
        return null;
    }

    /// <summary>Marks a case retired (regression cases included: they stay in the store with the reason); the case when done, else why not.</summary>
    public async Task<(EvalCase? Retired, string? Why)> RetireCaseAsync(string suiteId, string caseId, CaseRetirement retirement, CancellationToken ct = default)
    {
        using var c = database.Open();
        using var tx = c.BeginTransaction();
        var body = await c.QuerySingleOrDefaultAsync<string?>(new CommandDefinition("SELECT body FROM eval_cases WHERE id = @caseId AND suite_id = @suiteId", new { caseId, suiteId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var (evalCase, retired, why) = CaseRetirementRule.Apply(body, suiteId, caseId, retirement);
        if (evalCase is null)
        {
            return (null, why);
        }

        await c.ExecuteAsync(new CommandDefinition("UPDATE eval_cases SET body = @retired WHERE id = @caseId", new { retired, caseId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        tx.Commit();
        return (evalCase, null);
    }

    public async Task SaveRunAsync(EvalRun run, CancellationToken ct = default)
    {
        using var c = database.Open();
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO eval_runs(id, suite_id, incident_id, at, passed, failed, body) VALUES (@Id, @SuiteId, @IncidentId, @at, @Passed, @Failed, @body)",
            new { run.Id, run.SuiteId, run.IncidentId, at = run.FinishedAt.ToUnixTimeMilliseconds(), run.Passed, run.Failed, body = JsonSerializer.Serialize(run, FixAndLearnJson.Default.EvalRun) },
            cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EvalRun>> RunsAsync(string suiteId, int limit = 20, CancellationToken ct = default)
    {
        using var c = database.Open();
        var bodies = await c.QueryAsync<string>(new CommandDefinition("SELECT body FROM eval_runs WHERE suite_id = @suiteId ORDER BY at DESC LIMIT @limit", new { suiteId, limit }, cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize(b, FixAndLearnJson.Default.EvalRun)!).ToList();
    }

    /// <summary>The latest posted or run result of each case (suite name, case id) no older than the case itself.</summary>
    public async Task<IReadOnlyDictionary<string, bool>> LatestResultsAsync(string suiteName, IReadOnlyList<EvalCase> cases, CancellationToken ct = default)
    {
        using var c = database.Open();
        var latest = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var e in cases)
        {
            var passed = await c.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                "SELECT passed FROM eval_results WHERE suite = @suiteName AND case_id = @Id AND ts >= @since ORDER BY ts DESC, seq DESC LIMIT 1",
                new { suiteName, e.Id, since = e.CreatedAt.ToUnixTimeMilliseconds() },
                cancellationToken: ct)).ConfigureAwait(false);
            if (passed is { } p)
            {
                latest[e.Id] = p != 0;
            }
        }

        return latest;
    }

    private async Task<IReadOnlyList<EvalCase>> QueryCasesAsync(string sql, string key, CancellationToken ct)
    {
        using var c = database.Open();
        var bodies = await c.QueryAsync<string>(new CommandDefinition(sql, new { key }, cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize(b, FixAndLearnJson.Default.EvalCase)!).ToList();
    }
}
