using Dapper;
using Quell.Calls;

namespace Quell.Storage.Sqlite;

/// <summary>Exact figures over the calls log, computed by SQLite (COUNT, SUM, COUNT DISTINCT) without loading rows.</summary>
public sealed partial class SqliteCallLog
{
    public async Task<IReadOnlyList<CallTotals>> TotalsAsync(CallQuery filter, IReadOnlyList<string>? groupBy = null, int maxGroups = int.MaxValue, CancellationToken cancellationToken = default)
    {
        groupBy ??= [];
        var keys = groupBy.Select((d, i) => $"{GroupColumn(d) ?? throw UnknownDimension(d, nameof(groupBy))} AS k{i}").ToList();
        var (where, p) = Filter(filter);
        var sql = $"""
            SELECT {string.Concat(keys.Select(k => k + ", "))}COUNT(*), COALESCE(SUM(status), 0),
                   COALESCE(SUM(CASE WHEN error_type = '{ErrorTypes.Timeout}' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN findings IS NOT NULL THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN cost_source = {(int)CostSource.Unknown} THEN 1 ELSE 0 END), 0),
                   COUNT(DISTINCT user_id), COUNT(DISTINCT tenant),
                   COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), COALESCE(SUM(cached_input_tokens), 0),
                   COALESCE(SUM(cost_usd), 0.0), COALESCE(SUM(latency_ms), 0.0), COUNT(latency_ms), MIN(ts), MAX(ts)
            FROM calls WHERE {where}
            """;
        if (keys.Count > 0)
        {
            var order = string.Join(", ", groupBy.Select((_, i) => $"k{i}"));
            sql += $" GROUP BY {order} ORDER BY COUNT(*) DESC, {order} LIMIT @maxGroups";
            p.Add("maxGroups", Math.Max(0, maxGroups));
        }

        using var connection = database.Open();
        using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, p, cancellationToken: cancellationToken)).ConfigureAwait(false);
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
        p.Add("limit", Math.Max(0, limit));
        using var connection = database.Open();
        var values = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT DISTINCT {column} AS v FROM calls WHERE {where} AND {column} IS NOT NULL ORDER BY v LIMIT @limit", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
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
            SELECT c.seq AS seq, c.tenant AS tenant, json_extract(f.value, '$.entity') AS entity, json_extract(f.value, '$.owner') AS owner
            FROM (SELECT seq, tenant, findings FROM calls WHERE {where} AND findings IS NOT NULL) AS c, json_each(c.findings) AS f
            WHERE json_extract(f.value, '$.kind') IN @kinds
            """;
        using var connection = database.Open();
        var entities = await connection.QueryAsync<(string Entity, long Count)>(new CommandDefinition(
            $"SELECT entity, COUNT(*) FROM ({hits}) GROUP BY entity", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var owners = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT DISTINCT owner FROM ({hits}) WHERE owner IS NOT NULL AND owner <> '' AND (tenant IS NULL OR owner <> tenant) ORDER BY owner", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var calls = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(DISTINCT seq) FROM ({hits})", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new FindingTotals(entities.Where(e => e.Entity is not null).ToDictionary(e => e.Entity, e => e.Count, StringComparer.Ordinal), owners.AsList()) { Calls = calls };
    }

    public async Task<double?> LatencyQuantileAsync(CallQuery filter, double quantile, CancellationToken cancellationToken = default)
    {
        var (where, p) = Filter(filter);
        using var connection = database.Open();
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(latency_ms) FROM calls WHERE {where}", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (count == 0)
        {
            return null;
        }

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
        "hour" => "strftime('%Y-%m-%dT%H:00:00Z', ts / 1000, 'unixepoch')",
        _ => null,
    };

    private static ArgumentException UnknownDimension(string dimension, string parameter) =>
        new($"cannot group by '{dimension}'; use one of {string.Join(", ", CallTotals.Dimensions)}", parameter);
}
