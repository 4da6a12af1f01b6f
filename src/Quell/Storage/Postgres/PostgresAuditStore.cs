using Dapper;
using NpgsqlTypes;
using Quell.Security;
using Quell.Storage.Sqlite;

namespace Quell.Storage.Postgres;

/// <summary>The audit log in PostgreSQL, appended in batches with binary COPY.</summary>
public sealed class PostgresAuditStore(PostgresDatabase database) : IAuditStore
{
    public async Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var importer = await connection.BeginBinaryImportAsync("COPY audit_log (at, key_id, actor, method, path, route, status, remote, user_agent) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var e in entries)
        {
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(e.At.ToUnixTimeMilliseconds(), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync((object?)e.KeyId ?? DBNull.Value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(e.Actor, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(e.Method, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(e.Path, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync((object?)e.Route ?? DBNull.Value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(e.Status, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync((object?)e.RemoteAddress ?? DBNull.Value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync((object?)e.UserAgent ?? DBNull.Value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(string? actor, DateTimeOffset? since, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(
            """
            SELECT seq AS Seq, at AS At, key_id AS KeyId, actor AS Actor, method AS Method, path AS Path, route AS Route,
                   status::bigint AS Status, remote AS RemoteAddress, user_agent AS UserAgent
            FROM audit_log
            WHERE (@actor::text IS NULL OR actor = @actor) AND (@since::bigint IS NULL OR at >= @since)
            ORDER BY seq DESC LIMIT @limit
            """,
            new { actor, since = since?.ToUnixTimeMilliseconds(), limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToEntry()).ToList();
    }
}
