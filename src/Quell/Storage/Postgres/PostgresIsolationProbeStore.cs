using Dapper;
using Quell.Isolation;
using Quell.Storage.Sqlite;

namespace Quell.Storage.Postgres;

/// <summary>Tenant-isolation probe results in PostgreSQL, one row per probe.</summary>
public sealed class PostgresIsolationProbeStore(PostgresDatabase database) : IIsolationProbeStore
{
    private const string Latest = "SELECT ts, tenant, prompt, passed::integer::bigint, leaked_from, evidence, status_code::bigint, error, latency_ms FROM isolation_probe_results ORDER BY seq DESC LIMIT @limit";

    public async Task AppendAsync(IReadOnlyList<IsolationProbeResult> results, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(SqliteIsolationProbeStore.Insert, results.Select(SqliteIsolationProbeStore.Parameters), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<IsolationProbeResult>> LatestAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Ts, string Tenant, string Prompt, long Passed, string? Leaked, string? Evidence, long? Status, string? Error, double Latency)>(
            new CommandDefinition(Latest, new { limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(SqliteIsolationProbeStore.ToResult).ToList();
    }
}
