using Dapper;
using Quell.Isolation;

namespace Quell.Storage.Sqlite;

/// <summary>Tenant-isolation probe results in SQLite, one row per probe.</summary>
public sealed class SqliteIsolationProbeStore(SqliteDatabase database) : IIsolationProbeStore
{
    internal const string Insert = "INSERT INTO isolation_probe_results(ts, tenant, prompt, passed, leaked_from, evidence, status_code, error, latency_ms) VALUES (@ts, @Tenant, @Prompt, @Passed, @leaked, @Evidence, @StatusCode, @Error, @LatencyMs)";

    internal const string Latest = "SELECT ts, tenant, prompt, passed, leaked_from, evidence, status_code, error, latency_ms FROM isolation_probe_results ORDER BY seq DESC LIMIT @limit";

    public async Task AppendAsync(IReadOnlyList<IsolationProbeResult> results, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var tx = connection.BeginTransaction();
        await connection.ExecuteAsync(new CommandDefinition(Insert, results.Select(Parameters), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        tx.Commit();
    }

    public async Task<IReadOnlyList<IsolationProbeResult>> LatestAsync(int limit, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        var rows = await connection.QueryAsync<(long Ts, string Tenant, string Prompt, long Passed, string? Leaked, string? Evidence, long? Status, string? Error, double Latency)>(
            new CommandDefinition(Latest, new { limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(ToResult).ToList();
    }

    internal static object Parameters(IsolationProbeResult r) =>
        new { ts = r.At.ToUnixTimeMilliseconds(), r.Tenant, r.Prompt, r.Passed, leaked = r.LeakedFrom.Count == 0 ? null : string.Join(",", r.LeakedFrom), r.Evidence, r.StatusCode, r.Error, r.LatencyMs };

    internal static IsolationProbeResult ToResult((long Ts, string Tenant, string Prompt, long Passed, string? Leaked, string? Evidence, long? Status, string? Error, double Latency) r) => new()
    {
        At = DateTimeOffset.FromUnixTimeMilliseconds(r.Ts),
        Tenant = r.Tenant,
        Prompt = r.Prompt,
        Passed = r.Passed != 0,
        LeakedFrom = r.Leaked?.Split(',') ?? [],
        Evidence = r.Evidence,
        StatusCode = (int?)r.Status,
        Error = r.Error,
        LatencyMs = r.Latency,
    };
}
