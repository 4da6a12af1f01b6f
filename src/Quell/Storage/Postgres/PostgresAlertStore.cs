using System.Text.Json;
using Dapper;
using Quell.Alerts;
using Quell.Storage.Sqlite;

namespace Quell.Storage.Postgres;

/// <summary>Alerts in PostgreSQL: one row per alert id, updated in place when it resolves.</summary>
public sealed class PostgresAlertStore(PostgresDatabase database) : IAlertStore
{
    public async Task UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO alerts(id, fingerprint, category, signal, state, fired_at, onset, resolved_at, body)
            VALUES (@Id, @Fingerprint, @category, @Signal, @state, @fired, @onset, @resolved, @body)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, resolved_at = excluded.resolved_at, body = excluded.body
            """,
            new
            {
                alert.Id,
                alert.Fingerprint,
                category = alert.Category.ToString().ToLowerInvariant(),
                alert.Signal,
                state = alert.State.ToString().ToLowerInvariant(),
                fired = alert.FiredAt.ToUnixTimeMilliseconds(),
                onset = alert.OnsetEstimate.ToUnixTimeMilliseconds(),
                resolved = alert.ResolvedAt?.ToUnixTimeMilliseconds(),
                body = JsonSerializer.Serialize(alert, SqliteAlertStore.Json),
            },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var bodies = await connection.QueryAsync<string>(new CommandDefinition(
            """
            SELECT body FROM alerts
            WHERE (@state::text IS NULL OR state = @state) AND (@category::text IS NULL OR category = @category)
              AND fired_at >= @from AND fired_at < @to
            ORDER BY fired_at DESC LIMIT @limit
            """,
            new { state = query.State, category = query.Category, from = query.From?.ToUnixTimeMilliseconds() ?? long.MinValue, to = query.To?.ToUnixTimeMilliseconds() ?? long.MaxValue, limit = query.Limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize<Alert>(b, SqliteAlertStore.Json)!).ToList();
    }

    public async Task<Alert?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var body = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT body FROM alerts WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return body is null ? null : JsonSerializer.Deserialize<Alert>(body, SqliteAlertStore.Json);
    }
}
