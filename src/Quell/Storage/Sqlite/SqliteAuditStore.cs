using Dapper;
using Quell.Security;

namespace Quell.Storage.Sqlite;

/// <summary>The audit log table in SQLite: one row per mutating request, appended in batches.</summary>
public sealed class SqliteAuditStore(SqliteDatabase database) : IAuditStore
{
    public async Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var tx = connection.BeginTransaction();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO audit_log(at, key_id, actor, method, path, route, status, remote, user_agent) VALUES (@at, @KeyId, @Actor, @Method, @Path, @Route, @Status, @RemoteAddress, @UserAgent)",
            entries.Select(e => new { at = e.At.ToUnixTimeMilliseconds(), e.KeyId, e.Actor, e.Method, e.Path, e.Route, e.Status, e.RemoteAddress, e.UserAgent }),
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        tx.Commit();
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(string? actor, DateTimeOffset? since, int limit, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(
            """
            SELECT seq AS Seq, at AS At, key_id AS KeyId, actor AS Actor, method AS Method, path AS Path, route AS Route,
                   status AS Status, remote AS RemoteAddress, user_agent AS UserAgent
            FROM audit_log
            WHERE (@actor IS NULL OR actor = @actor) AND (@since IS NULL OR at >= @since)
            ORDER BY seq DESC LIMIT @limit
            """,
            new { actor, since = since?.ToUnixTimeMilliseconds(), limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToEntry()).ToList();
    }
}

/// <summary>An audit_log row as Dapper reads it, for both providers.</summary>
internal sealed record AuditRow(long Seq, long At, string? KeyId, string Actor, string Method, string Path, string? Route, long Status, string? RemoteAddress, string? UserAgent)
{
    public AuditEntry ToEntry() => new()
    {
        Seq = Seq,
        At = DateTimeOffset.FromUnixTimeMilliseconds(At),
        KeyId = KeyId,
        Actor = Actor,
        Method = Method,
        Path = Path,
        Route = Route,
        Status = (int)Status,
        RemoteAddress = RemoteAddress,
        UserAgent = UserAgent,
    };
}
