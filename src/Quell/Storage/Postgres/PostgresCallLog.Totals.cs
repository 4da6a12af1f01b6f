using Dapper;
using Quell.Calls;

namespace Quell.Storage.Postgres;

/// <summary>Exact figures over the calls log, computed by PostgreSQL (COUNT, SUM, COUNT DISTINCT, jsonb) without loading rows.</summary>
public sealed partial class PostgresCallLog
{
    public async Task<IReadOnlyList<CallTotals>> TotalsAsync(CallQuery filter, IReadOnlyList<string>? groupBy = null, int maxGroups = int.MaxValue, CancellationToken cancellationToken = default)
    {
        groupBy ??= [];
        var keys = groupBy.Select((d, i) => $"{GroupColumn(d) ?? throw UnknownDimension(d, nameof(groupBy))} AS k{i}").ToList();
        var (where, p) = Filter(filter);
        var sql = $"""
            SELECT {string.Concat(keys.Select(k => k + ", "))}COUNT(*), COALESCE(SUM(status), 0)::bigint,
                   COUNT(*) FILTER (WHERE error_type = '{ErrorTypes.Timeout}'),
                   COUNT(*) FILTER (WHERE findings IS NOT NULL),
                   COUNT(*) FILTER (WHERE cost_source = {(int)CostSource.Unknown}),
                   COUNT(DISTINCT user_id), COUNT(DISTINCT tenant),
                   COALESCE(SUM(input_tokens), 0)::bigint, COALESCE(SUM(output_tokens), 0)::bigint, COALESCE(SUM(cached_input_tokens), 0)::bigint,
                   COALESCE(SUM(cost_usd), 0.0), COALESCE(SUM(latency_ms), 0.0), COUNT(latency_ms), MIN(ts), MAX(ts)
            FROM calls WHERE {where}
            """;
        if (keys.Count > 0)
        {
            var order = string.Join(", ", groupBy.Select((_, i) => $"k{i}"));
            sql += $" GROUP BY {order} ORDER BY COUNT(*) DESC, {order} LIMIT @maxGroups";
            p.Add("maxGroups", (long)Math.Max(0, maxGroups));
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var n = keys.Count;
        var result = new List<CallTotals>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = new string?[n];
            for (var i = 0; i < n; i++)
            {
                key[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            }

            result.Add(new CallTotals(key)
            {
                Calls = reader.GetInt64(n),
                Errors = reader.GetInt64(n + 1),
                Timeouts = reader.GetInt64(n + 2),
                FlaggedCalls = reader.GetInt64(n + 3),
                UnpricedCalls = reader.GetInt64(n + 4),
                Users = reader.GetInt64(n + 5),
                Tenants = reader.GetInt64(n + 6),
                InputTokens = reader.GetInt64(n + 7),
                OutputTokens = reader.GetInt64(n + 8),
                CachedInputTokens = reader.GetInt64(n + 9),
                CostUsd = reader.GetDouble(n + 10),
                LatencyMsSum = reader.GetDouble(n + 11),
                LatencyCalls = reader.GetInt64(n + 12),
                FirstAt = reader.IsDBNull(n + 13) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(n + 13)),
                LastAt = reader.IsDBNull(n + 14) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(n + 14)),
            });
        }

        return result;
    }

    public async Task<IReadOnlyList<string>> DistinctAsync(CallQuery filter, string dimension, int limit, CancellationToken cancellationToken = default)
    {
        var column = GroupColumn(dimension) ?? throw UnknownDimension(dimension, nameof(dimension));
        var (where, p) = Filter(filter);
        p.Add("limit", (long)Math.Max(0, limit));
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);

        // COLLATE "C" gives the ordinal order the interface promises whatever the database's collation is.
        var values = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT DISTINCT ({column})::text COLLATE \"C\" AS v FROM calls WHERE {where} AND {column} IS NOT NULL ORDER BY v LIMIT @limit", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return values.AsList();
    }

    public async Task<FindingTotals> FindingTotalsAsync(CallQuery filter, IReadOnlyCollection<string> kinds, CancellationToken cancellationToken = default)
    {
        if (kinds.Count == 0)
        {
            return new FindingTotals(new Dictionary<string, long>(), []);
        }

        var (where, p) = Filter(filter);
        p.Add("kinds", kinds.ToArray());
        var hits = $"""
            SELECT c.seq AS seq, c.tenant AS tenant, f->>'entity' AS entity, f->>'owner' AS owner
            FROM (SELECT seq, tenant, findings FROM calls WHERE {where} AND findings IS NOT NULL) AS c, jsonb_array_elements(c.findings::jsonb) AS f
            WHERE f->>'kind' = ANY(@kinds)
            """;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var entities = await connection.QueryAsync<(string Entity, long Count)>(new CommandDefinition(
            $"SELECT entity, COUNT(*) FROM ({hits}) h GROUP BY entity", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var owners = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT DISTINCT owner COLLATE \"C\" AS owner FROM ({hits}) h WHERE owner IS NOT NULL AND owner <> '' AND (tenant IS NULL OR owner <> tenant) ORDER BY owner", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var calls = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(DISTINCT seq) FROM ({hits}) h", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new FindingTotals(entities.Where(e => e.Entity is not null).ToDictionary(e => e.Entity, e => e.Count, StringComparer.Ordinal), owners.AsList()) { Calls = calls };
    }

    public async Task<double?> LatencyQuantileAsync(CallQuery filter, double quantile, CancellationToken cancellationToken = default)
    {
        var (where, p) = Filter(filter);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(latency_ms) FROM calls WHERE {where}", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (count == 0)
        {
            return null;
        }

        // Nearest rank, as the SQLite provider computes it.
        p.Add("rank", Math.Clamp((long)Math.Ceiling(quantile * count) - 1, 0, count - 1));
        return await connection.ExecuteScalarAsync<double>(new CommandDefinition(
            $"SELECT latency_ms FROM calls WHERE {where} AND latency_ms IS NOT NULL ORDER BY latency_ms LIMIT 1 OFFSET @rank", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The SQL expression of a group-by dimension; null for an unknown one.</summary>
    private static string? GroupColumn(string dimension) => dimension switch
    {
        "feature" or "tenant" or "model" or "provider" or "region" or "prompt_version" or "model_version" or "operation" or "error_type" or "trace_id" => dimension,
        "user" => "user_id",
        "status" => "CASE status WHEN 1 THEN 'error' ELSE 'ok' END",
        "hour" => "to_char(to_timestamp(ts / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')",
        _ => null,
    };

    private static ArgumentException UnknownDimension(string dimension, string parameter) =>
        new($"cannot group by '{dimension}'; use one of {string.Join(", ", CallTotals.Dimensions)}", parameter);
}
