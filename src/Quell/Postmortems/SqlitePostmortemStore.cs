using System.Text.Json;
using Dapper;
using Quell.Evals;
using Quell.Postmortems;
using Quell.Server.Evals;
using Quell.Storage.Sqlite;

namespace Quell.Server.Postmortems;

/// <summary>Post-mortem versions and the incident memory (an FTS5 index over incidents and post-mortems) in SQLite.</summary>
public sealed class SqlitePostmortemStore(SqliteDatabase database) : IPostmortemStore
{
    public async Task<Postmortem?> LatestAsync(string incidentId, CancellationToken ct = default)
    {
        using var c = database.Open();
        var body = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT body FROM postmortems WHERE incident_id = @incidentId ORDER BY version DESC LIMIT 1", new { incidentId }, cancellationToken: ct)).ConfigureAwait(false);
        return body is null ? null : Read(body);
    }

    public async Task<IReadOnlyList<Postmortem>> VersionsAsync(string incidentId, CancellationToken ct = default)
    {
        using var c = database.Open();
        var bodies = await c.QueryAsync<string>(new CommandDefinition("SELECT body FROM postmortems WHERE incident_id = @incidentId ORDER BY version", new { incidentId }, cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(Read).ToList();
    }

    /// <summary>The latest version of every post-mortem.</summary>
    public async Task<IReadOnlyList<Postmortem>> AllLatestAsync(CancellationToken ct = default)
    {
        using var c = database.Open();
        var bodies = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT p.body FROM postmortems p JOIN (SELECT incident_id, MAX(version) v FROM postmortems GROUP BY incident_id) m ON m.incident_id = p.incident_id AND m.v = p.version",
            cancellationToken: ct)).ConfigureAwait(false);
        return bodies.Select(Read).ToList();
    }

    /// <summary>Stores <paramref name="postmortem"/> as the next version and re-indexes it; returns what was stored.</summary>
    public async Task<Postmortem> SaveAsync(Postmortem postmortem, CancellationToken ct = default)
    {
        using var c = database.Open();
        using var tx = c.BeginTransaction();
        var version = await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(version), 0) + 1 FROM postmortems WHERE incident_id = @IncidentId", new { postmortem.IncidentId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var saved = postmortem with { Version = (int)version };
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO postmortems(incident_id, version, at, updated_by, status, body) VALUES (@IncidentId, @Version, @at, @UpdatedBy, @Status, @body)",
            new { saved.IncidentId, saved.Version, at = saved.UpdatedAt.ToUnixTimeMilliseconds(), saved.UpdatedBy, saved.Status, body = JsonSerializer.Serialize(saved, FixAndLearnJson.Default.Postmortem) },
            tx,
            cancellationToken: ct)).ConfigureAwait(false);
        await IndexAsync(c, tx, "postmortem", saved.IncidentId, saved.Title, PostmortemMarkdown.Render(saved), ct).ConfigureAwait(false);
        tx.Commit();
        return saved;
    }

    /// <summary>Indexes (or re-indexes) one incident's searchable text.</summary>
    public async Task IndexIncidentAsync(string id, string title, string body, CancellationToken ct = default)
    {
        using var c = database.Open();
        using var tx = c.BeginTransaction();
        await IndexAsync(c, tx, "incident", id, title, body, ct).ConfigureAwait(false);
        tx.Commit();
    }

    /// <summary>Full-text search over incidents and post-mortems, best match first (BM25, titles weigh double); one hit per incident id and kind.</summary>
    public async Task<IReadOnlyList<MemoryHit>> SearchAsync(string text, int limit, bool anyTerm = false, CancellationToken ct = default)
    {
        var terms = MemorySearchTerms.Of(text);
        if (terms.Count == 0)
        {
            return [];
        }

        var match = string.Join(anyTerm ? " OR " : " ", terms.Select(t => $"\"{t}\""));
        using var c = database.Open();
        var rows = await c.QueryAsync<(string Kind, string RefId, string Title, string Snippet, double Rank)>(new CommandDefinition(
            "SELECT kind, ref_id, title, snippet(memory_fts, 3, '[', ']', '…', 12), bm25(memory_fts, 0.0, 0.0, 2.0, 1.0) AS rank FROM memory_fts WHERE memory_fts MATCH @match ORDER BY rank LIMIT @limit",
            new { match, limit = Math.Clamp(limit, 1, 200) },
            cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new MemoryHit(r.Kind, r.RefId, r.Title, r.Snippet, Math.Round(-r.Rank, 4))).ToList();
    }

    /// <summary>How many recurrences (reopened or linked) the timeline records between two instants.</summary>
    public async Task<int> RecurrencesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        using var c = database.Open();
        return await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM incident_timeline WHERE kind = 'recurrence' AND at >= @from AND at <= @to",
            new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() },
            cancellationToken: ct)).ConfigureAwait(false);
    }

    private static async Task IndexAsync(Microsoft.Data.Sqlite.SqliteConnection c, Microsoft.Data.Sqlite.SqliteTransaction tx, string kind, string id, string title, string body, CancellationToken ct)
    {
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM memory_fts WHERE kind = @kind AND ref_id = @id", new { kind, id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("INSERT INTO memory_fts(kind, ref_id, title, body) VALUES (@kind, @id, @title, @body)", new { kind, id, title, body }, tx, cancellationToken: ct)).ConfigureAwait(false);
    }

    private static Postmortem Read(string body) => JsonSerializer.Deserialize(body, FixAndLearnJson.Default.Postmortem)!;
}
