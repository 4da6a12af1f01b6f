using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Quell.Alerts;

namespace Quell.Storage.Sqlite;

/// <summary>Alerts in SQLite: one row per alert id, updated in place when it resolves.</summary>
public sealed class SqliteAlertStore(SqliteDatabase database) : IAlertStore
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // A ratio against a zero baseline is infinite; keep it rather than fail the alert.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public async Task UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO alerts(id, fingerprint, category, signal, state, fired_at, onset, resolved_at, body)
            VALUES (@Id, @Fingerprint, @category, @Signal, @state, @fired, @onset, @resolved, @body)
            ON CONFLICT(id) DO UPDATE SET state = excluded.state, resolved_at = excluded.resolved_at, body = excluded.body
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
                body = JsonSerializer.Serialize(alert, Json),
            },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        var bodies = await connection.QueryAsync<string>(new CommandDefinition(
            """
            SELECT body FROM alerts
            WHERE (@state IS NULL OR state = @state) AND (@category IS NULL OR category = @category)
              AND fired_at >= @from AND fired_at < @to
            ORDER BY fired_at DESC LIMIT @limit
            """,
            new { state = query.State, category = query.Category, from = query.From?.ToUnixTimeMilliseconds() ?? long.MinValue, to = query.To?.ToUnixTimeMilliseconds() ?? long.MaxValue, limit = query.Limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize<Alert>(b, Json)!).ToList();
    }

    public async Task<Alert?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        var body = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT body FROM alerts WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return body is null ? null : JsonSerializer.Deserialize<Alert>(body, Json);
    }
}
