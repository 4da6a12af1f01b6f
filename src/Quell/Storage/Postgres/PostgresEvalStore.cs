using System.Text.Json;
using Dapper;
using Npgsql;
using Quell.Evals;
using Quell.Server.Evals;

namespace Quell.Storage.Postgres;

/// <summary>Eval suites, cases and runs in PostgreSQL. Regression cases (those with an incident) are never deleted.</summary>
public sealed class PostgresEvalStore(PostgresDatabase database) : IEvalStore
{
    public async Task SaveSuiteAsync(EvalSuite suite, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        try
        {
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO eval_suites(id, name, created_at, body) VALUES (@Id, @Name, @at, @body) ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body",
                new { suite.Id, suite.Name, at = suite.CreatedAt.ToUnixTimeMilliseconds(), body = JsonSerializer.Serialize(suite, FixAndLearnJson.Default.EvalSuite) },
                cancellationToken: ct)).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new StorageConflictException($"a suite named '{suite.Name}' exists", ex);
        }
    }

    public async Task<EvalSuite?> GetSuiteAsync(string idOrName, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var body = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT body FROM eval_suites WHERE id = @idOrName OR name = @idOrName ORDER BY (id = @idOrName) DESC LIMIT 1", new { idOrName }, cancellationToken: ct)).ConfigureAwait(false);
        return body is null ? null : JsonSerializer.Deserialize(body, FixAndLearnJson.Default.EvalSuite);
    }

    public async Task<IReadOnlyList<EvalSuite>> ListSuitesAsync(CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var bodies = await c.QueryAsync<string>(new CommandDefinition("SELECT body FROM eval_suites ORDER BY name", cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize(b, FixAndLearnJson.Default.EvalSuite)!).ToList();
    }

    public async Task<string?> DeleteSuiteAsync(string id, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);

        // Lock the suite first so a regression case cannot be added between the check and the delete.
        await c.ExecuteAsync(new CommandDefinition("SELECT 1 FROM eval_suites WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var kept = await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM eval_cases WHERE suite_id = @id AND incident_id IS NOT NULL", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (kept > 0)
        {
            return $"suite {id} holds {kept} regression case(s) from incidents; they are kept forever";
        }

        await c.ExecuteAsync(new CommandDefinition("DELETE FROM eval_cases WHERE suite_id = @id", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM eval_suites WHERE id = @id", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return null;
    }

    public async Task<int> SaveCasesAsync(IReadOnlyList<EvalCase> cases, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        var added = 0;
        foreach (var e in cases)
        {
            added += await c.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO eval_cases(id, suite_id, incident_id, created_at, body) VALUES (@Id, @SuiteId, @IncidentId, @at, @body)
                ON CONFLICT (id) DO UPDATE SET body = excluded.body, suite_id = excluded.suite_id WHERE eval_cases.incident_id IS NULL
                """,
                new { e.Id, e.SuiteId, e.IncidentId, at = e.CreatedAt.ToUnixTimeMilliseconds(), body = JsonSerializer.Serialize(e, FixAndLearnJson.Default.EvalCase) },
                tx,
                cancellationToken: ct)).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return added;
    }

    public Task<IReadOnlyList<EvalCase>> CasesAsync(string suiteId, CancellationToken ct = default) =>
        QueryCasesAsync("SELECT body FROM eval_cases WHERE suite_id = @key ORDER BY created_at, id", suiteId, ct);

    public Task<IReadOnlyList<EvalCase>> CasesForIncidentAsync(string incidentId, CancellationToken ct = default) =>
        QueryCasesAsync("SELECT body FROM eval_cases WHERE incident_id = @key ORDER BY created_at, id", incidentId, ct);

    public async Task<string?> DeleteCaseAsync(string suiteId, string caseId, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var found = await c.QuerySingleOrDefaultAsync<(string Id, string? IncidentId)?>(new CommandDefinition("SELECT id, incident_id FROM eval_cases WHERE id = @caseId AND suite_id = @suiteId", new { caseId, suiteId }, cancellationToken: ct)).ConfigureAwait(false);
        if (found is null)
        {
            return $"no case '{caseId}' in suite {suiteId}";
        }

        if (found.Value.IncidentId is { } inc)
        {
            return $"case {caseId} is a regression case from incident {inc}; it is kept forever";
        }

        // The guard repeats in the DELETE so a case that became a regression case meanwhile is still kept.
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM eval_cases WHERE id = @caseId AND incident_id IS NULL", new { caseId }, cancellationToken: ct)).ConfigureAwait(false);
        return null;
    }

    public async Task<(EvalCase? Retired, string? Why)> RetireCaseAsync(string suiteId, string caseId, CaseRetirement retirement, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);

        // The row stays locked until the update commits, so two retirements of one case cannot both succeed.
        var body = await c.QuerySingleOrDefaultAsync<string?>(new CommandDefinition("SELECT body FROM eval_cases WHERE id = @caseId AND suite_id = @suiteId FOR UPDATE", new { caseId, suiteId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var (evalCase, retired, why) = CaseRetirementRule.Apply(body, suiteId, caseId, retirement);
        if (evalCase is null)
        {
            return (null, why);
        }

        await c.ExecuteAsync(new CommandDefinition("UPDATE eval_cases SET body = @retired WHERE id = @caseId", new { retired, caseId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (evalCase, null);
    }

    public async Task SaveRunAsync(EvalRun run, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO eval_runs(id, suite_id, incident_id, at, passed, failed, body) VALUES (@Id, @SuiteId, @IncidentId, @at, @Passed, @Failed, @body)",
            new { run.Id, run.SuiteId, run.IncidentId, at = run.FinishedAt.ToUnixTimeMilliseconds(), run.Passed, run.Failed, body = JsonSerializer.Serialize(run, FixAndLearnJson.Default.EvalRun) },
            cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EvalRun>> RunsAsync(string suiteId, int limit = 20, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var bodies = await c.QueryAsync<string>(new CommandDefinition("SELECT body FROM eval_runs WHERE suite_id = @suiteId ORDER BY at DESC, id LIMIT @limit", new { suiteId, limit }, cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize(b, FixAndLearnJson.Default.EvalRun)!).ToList();
    }

    public async Task<IReadOnlyDictionary<string, bool>> LatestResultsAsync(string suiteName, IReadOnlyList<EvalCase> cases, CancellationToken ct = default)
    {
        var latest = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (cases.Count == 0)
        {
            return latest;
        }

        // One query for all cases: the newest result of each case no older than the case.
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var rows = await c.QueryAsync<(string CaseId, bool Passed)>(new CommandDefinition(
            """
            SELECT DISTINCT ON (r.case_id) r.case_id, r.passed
            FROM eval_results r JOIN unnest(@ids, @since) AS k(id, since) ON r.case_id = k.id AND r.ts >= k.since
            WHERE r.suite = @suiteName
            ORDER BY r.case_id, r.ts DESC, r.seq DESC
            """,
            new { suiteName, ids = cases.Select(e => e.Id).ToArray(), since = cases.Select(e => e.CreatedAt.ToUnixTimeMilliseconds()).ToArray() },
            cancellationToken: ct)).ConfigureAwait(false);
        foreach (var (caseId, passed) in rows)
        {
            latest[caseId] = passed;
        }

        return latest;
    }

    private async Task<IReadOnlyList<EvalCase>> QueryCasesAsync(string sql, string key, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var bodies = await c.QueryAsync<string>(new CommandDefinition(sql, new { key }, cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize(b, FixAndLearnJson.Default.EvalCase)!).ToList();
    }
}
