using System.Text.Json;
using Dapper;
using Npgsql;
using Quell.Evals;
using Quell.Postmortems;
using Quell.Server.Evals;
using Quell.Server.Postmortems;

namespace Quell.Storage.Postgres;

/// <summary>
/// Post-mortem versions and the incident memory in PostgreSQL: a tsvector (english, titles weighted A, bodies B)
/// with a GIN index, ranked by ts_rank with titles weighing double.
/// </summary>
public sealed class PostgresPostmortemStore(PostgresDatabase database) : IPostmortemStore
{
    public async Task<Postmortem?> LatestAsync(string incidentId, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var body = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT body FROM postmortems WHERE incident_id = @incidentId ORDER BY version DESC LIMIT 1", new { incidentId }, cancellationToken: ct)).ConfigureAwait(false);
        return body is null ? null : Read(body);
    }

    public async Task<IReadOnlyList<Postmortem>> VersionsAsync(string incidentId, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var bodies = await c.QueryAsync<string>(new CommandDefinition("SELECT body FROM postmortems WHERE incident_id = @incidentId ORDER BY version", new { incidentId }, cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(Read).ToList();
    }

    public async Task<IReadOnlyList<Postmortem>> AllLatestAsync(CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var bodies = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT ON (incident_id) body FROM postmortems ORDER BY incident_id, version DESC", cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(Read).ToList();
    }

    public async Task<Postmortem> SaveAsync(Postmortem postmortem, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);

        // Two editors saving at once must get consecutive versions: serialise on the incident id for this transaction.
        await c.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtext('postmortem:' || @IncidentId))", new { postmortem.IncidentId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var version = await c.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COALESCE(MAX(version), 0) + 1 FROM postmortems WHERE incident_id = @IncidentId", new { postmortem.IncidentId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var saved = postmortem with { Version = version };
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO postmortems(incident_id, version, at, updated_by, status, body) VALUES (@IncidentId, @Version, @at, @UpdatedBy, @Status, @body)",
            new { saved.IncidentId, saved.Version, at = saved.UpdatedAt.ToUnixTimeMilliseconds(), saved.UpdatedBy, saved.Status, body = JsonSerializer.Serialize(saved, FixAndLearnJson.Default.Postmortem) },
            tx,
            cancellationToken: ct)).ConfigureAwait(false);
        await IndexAsync(c, tx, "postmortem", saved.IncidentId, saved.Title, PostmortemMarkdown.Render(saved), ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return saved;
    }

    public async Task IndexIncidentAsync(string id, string title, string body, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await IndexAsync(c, tx, "incident", id, title, body, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MemoryHit>> SearchAsync(string text, int limit, bool anyTerm = false, CancellationToken ct = default)
    {
        var terms = MemorySearchTerms.Of(text);
        if (terms.Count == 0)
        {
            return [];
        }

        // Terms are letters, digits and underscores only, so they are safe as tsquery operands.
        var query = string.Join(anyTerm ? " | " : " & ", terms);
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        var rows = await c.QueryAsync<(string Kind, string RefId, string Title, string Snippet, double Rank)>(new CommandDefinition(
            """
            SELECT kind, ref_id, title,
                   ts_headline('english', body, q, 'StartSel=[, StopSel=], MaxWords=12, MinWords=4, MaxFragments=1, FragmentDelimiter=…') AS snippet,
                   ts_rank('{0, 0, 0.5, 1.0}', document, q)::double precision AS rank
            FROM memory_documents, to_tsquery('english', @query) q
            WHERE document @@ q
            ORDER BY rank DESC, kind, ref_id LIMIT @limit
            """,
            new { query, limit = Math.Clamp(limit, 1, 200) },
            cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new MemoryHit(r.Kind, r.RefId, r.Title, r.Snippet, Math.Round(r.Rank, 4))).ToList();
    }

    public async Task<int> RecurrencesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*)::integer FROM incident_timeline WHERE kind = 'recurrence' AND at >= @from AND at <= @to",
            new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() },
            cancellationToken: ct)).ConfigureAwait(false);
    }

    private static Task IndexAsync(NpgsqlConnection c, NpgsqlTransaction tx, string kind, string id, string title, string body, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO memory_documents(kind, ref_id, title, body) VALUES (@kind, @id, @title, @body) ON CONFLICT (kind, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body",
            new { kind, id, title, body },
            tx,
            cancellationToken: ct));

    private static Postmortem Read(string body) => JsonSerializer.Deserialize(body, FixAndLearnJson.Default.Postmortem)!;
}
