using System.Text.Json;
using Dapper;
using Quell.Mitigations;
using Quell.Storage.Sqlite;

namespace Quell.Storage.Postgres;

/// <summary>Mitigations in PostgreSQL: one row each (JSON body) plus an append-only audit table written in the same transaction.</summary>
public sealed class PostgresMitigationStore(PostgresDatabase database) : IMitigationStore
{
    public async Task<long> SaveAsync(Mitigation mitigation, string action, string actor, MitigationState? fromState, string? note, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO mitigations(id, kind, state, incident_id, alert_id, created_at, expires_at, body)
            VALUES (@Id, @kind, @state, @IncidentId, @AlertId, @created, @expires, @body)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at, body = excluded.body
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
                body = JsonSerializer.Serialize(mitigation, SqliteMitigationStore.Json),
            },
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var seq = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO mitigation_audit(mitigation_id, action, actor, at, from_state, to_state, note)
            VALUES (@Id, @action, @actor, @at, @from, @to, @note)
            RETURNING seq
            """,
            new { mitigation.Id, action, actor, at = mitigation.UpdatedAt.ToUnixTimeMilliseconds(), from = fromState is { } f ? Name(f) : null, to = Name(mitigation.State), note },
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return seq;
    }

    public async Task<Mitigation?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var body = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT body FROM mitigations WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return body is null ? null : JsonSerializer.Deserialize<Mitigation>(body, SqliteMitigationStore.Json);
    }

    public async Task<IReadOnlyList<Mitigation>> QueryAsync(IReadOnlyCollection<MitigationState> states, int limit = 1000, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var names = states.Select(Name).ToArray();
        var sql = names.Length == 0
            ? "SELECT body FROM mitigations ORDER BY created_at DESC, id LIMIT @limit"
            : "SELECT body FROM mitigations WHERE state = ANY(@names) ORDER BY created_at DESC, id LIMIT @limit";
        var bodies = await connection.QueryAsync<string>(new CommandDefinition(sql, new { names, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize<Mitigation>(b, SqliteMitigationStore.Json)!).ToList();
    }

    public async Task<IReadOnlyList<MitigationAuditEntry>> AuditAsync(string? mitigationId, int limit = 500, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Seq, string MitigationId, string Action, string Actor, long At, string? FromState, string ToState, string? Note)>(new CommandDefinition(
            "SELECT seq, mitigation_id, action, actor, at, from_state, to_state, note FROM mitigation_audit WHERE (@mitigationId::text IS NULL OR mitigation_id = @mitigationId) ORDER BY seq DESC LIMIT @limit",
            new { mitigationId, limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new MitigationAuditEntry(
            r.Seq,
            r.MitigationId,
            r.Action,
            r.Actor,
            DateTimeOffset.FromUnixTimeMilliseconds(r.At),
            r.FromState is null ? null : Parse(r.FromState),
            Parse(r.ToState),
            r.Note)).ToList();
    }

    public async Task<long> LastAuditSequenceAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(seq), 0) FROM mitigation_audit", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static string Name<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static MitigationState Parse(string state) => Enum.Parse<MitigationState>(state.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);
}
