using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Quell.Mitigations;

namespace Quell.Storage.Sqlite;

/// <summary>Mitigations in SQLite: one row each (JSON body) plus an append-only audit table written in the same transaction.</summary>
public sealed class SqliteMitigationStore(SqliteDatabase database) : IMitigationStore
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task<long> SaveAsync(Mitigation mitigation, string action, string actor, MitigationState? fromState, string? note, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var tx = connection.BeginTransaction();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO mitigations(id, kind, state, incident_id, alert_id, created_at, expires_at, body)
            VALUES (@Id, @kind, @state, @IncidentId, @AlertId, @created, @expires, @body)
            ON CONFLICT(id) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at, body = excluded.body
            """,
            new
            {
                mitigation.Id,
                kind = Name(mitigation.Kind),
                state = Name(mitigation.State),
                mitigation.IncidentId,
                mitigation.AlertId,
                created = mitigation.CreatedAt.ToUnixTimeMilliseconds(),
                expires = mitigation.ExpiresAt?.ToUnixTimeMilliseconds(),
                body = JsonSerializer.Serialize(mitigation, Json),
            },
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var seq = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO mitigation_audit(mitigation_id, action, actor, at, from_state, to_state, note)
            VALUES (@Id, @action, @actor, @at, @from, @to, @note);
            SELECT last_insert_rowid();
            """,
            new { mitigation.Id, action, actor, at = mitigation.UpdatedAt.ToUnixTimeMilliseconds(), from = fromState is { } f ? Name(f) : null, to = Name(mitigation.State), note },
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        tx.Commit();
        return seq;
    }

    public async Task<Mitigation?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        var body = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT body FROM mitigations WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return body is null ? null : JsonSerializer.Deserialize<Mitigation>(body, Json);
    }

    public async Task<IReadOnlyList<Mitigation>> QueryAsync(IReadOnlyCollection<MitigationState> states, int limit = 1000, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        var names = states.Select(Name).ToArray();
        var sql = names.Length == 0
            ? "SELECT body FROM mitigations ORDER BY created_at DESC LIMIT @limit"
            : "SELECT body FROM mitigations WHERE state IN @names ORDER BY created_at DESC LIMIT @limit";
        var bodies = await connection.QueryAsync<string>(new CommandDefinition(sql, new { names, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize<Mitigation>(b, Json)!).ToList();
    }

    public async Task<IReadOnlyList<MitigationAuditEntry>> AuditAsync(string? mitigationId, int limit = 500, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(
            "SELECT seq, mitigation_id, action, actor, at, from_state, to_state, note FROM mitigation_audit WHERE (@mitigationId IS NULL OR mitigation_id = @mitigationId) ORDER BY seq DESC LIMIT @limit",
            new { mitigationId, limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new MitigationAuditEntry(
            r.seq,
            r.mitigation_id,
            r.action,
            r.actor,
            DateTimeOffset.FromUnixTimeMilliseconds(r.at),
            r.from_state is null ? null : Parse(r.from_state),
            Parse(r.to_state),
            r.note)).ToList();
    }

    public async Task<long> LastAuditSequenceAsync(CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(seq), 0) FROM mitigation_audit", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static string Name<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static MitigationState Parse(string state) => Enum.Parse<MitigationState>(state.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);

    private sealed class AuditRow
    {
        public long seq { get; set; }
        public string mitigation_id { get; set; } = "";
        public string action { get; set; } = "";
        public string actor { get; set; } = "";
        public long at { get; set; }
        public string? from_state { get; set; }
        public string to_state { get; set; } = "";
        public string? note { get; set; }
    }
}
