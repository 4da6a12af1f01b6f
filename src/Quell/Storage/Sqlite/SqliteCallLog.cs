using System.Data;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using Quell.Calls;

namespace Quell.Storage.Sqlite;

/// <summary>The calls log in SQLite: one writer appending in transactions, readers on their own connections.</summary>
public sealed partial class SqliteCallLog(SqliteDatabase database, TimeProvider time) : ICallLog, IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private CallInsertStatement? _writer;
    private WalCheckpointer? _checkpointer;
    private int _disposed;

    public async Task<AppendResult> AppendAsync(IReadOnlyList<CallRecord> calls, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_writer is null)
            {
                var connection = database.Open();
                using (var pragma = connection.CreateCommand())
                {
                    pragma.CommandText = "PRAGMA wal_autocheckpoint=0";
                    pragma.ExecuteNonQuery();
                }

                _writer = new CallInsertStatement(connection);
                _checkpointer = new WalCheckpointer(database);
            }

            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var isNew = new bool[calls.Count];
            var inserted = _writer.InsertAll(calls, now, isNew);
            _checkpointer!.Request();
            return new AppendResult(inserted, calls.Count - inserted, _writer.LastSequence()) { IsNew = isNew };
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<LoggedCall>> ReadAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        return await ReadAsync($"SELECT {SqliteCallColumns.AllColumns} FROM calls WHERE seq > @afterSequence ORDER BY seq LIMIT @limit", new { afterSequence, limit }, CallSchema.Fields, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<LoggedCall>> ReadFiguresAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        return await ReadAsync($"SELECT {SqliteCallColumns.FigureColumns} FROM calls WHERE seq > @afterSequence ORDER BY seq LIMIT @limit", new { afterSequence, limit }, CallSchema.FigureFields, cancellationToken).ConfigureAwait(false);
    }

    public async Task<LoggedCall?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var rows = await ReadAsync($"SELECT {SqliteCallColumns.AllColumns} FROM calls WHERE id = @id", new { id }, CallSchema.Fields, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<LoggedCall>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        var (where, p) = Filter(query);
        p.Add("limit", Math.Clamp(query.Limit, 1, 10_000));
        return await ReadAsync($"SELECT {SqliteCallColumns.AllColumns} FROM calls WHERE {where} ORDER BY seq DESC LIMIT @limit", p, CallSchema.Fields, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CallCounts> CountAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        var (where, p) = Filter(query);
        using var connection = database.Open();
        var (calls, tenants, users) = await connection.QuerySingleAsync<(long, long, long)>(new CommandDefinition(
            $"SELECT COUNT(*), COUNT(DISTINCT tenant), COUNT(DISTINCT user_id) FROM calls WHERE {where}", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var names = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT tenant FROM calls WHERE {where} AND tenant IS NOT NULL GROUP BY tenant ORDER BY COUNT(*) DESC LIMIT 50", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new CallCounts(calls, (int)tenants, users, names.ToList());
    }

    private async Task<List<LoggedCall>> ReadAsync(string sql, object parameters, IReadOnlyList<CallField> fields, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return await SqliteCallColumns.ReadAllAsync(reader, fields, cancellationToken).ConfigureAwait(false);
    }

    private static (string Where, DynamicParameters Parameters) Filter(CallQuery query)
    {
        var sql = new StringBuilder("1=1");
        var p = new DynamicParameters();
        void Eq(string column, string name, object? value)
        {
            if (value is not null)
            {
                sql.Append(" AND ").Append(column).Append(" = @").Append(name);
                p.Add(name, value);
            }
        }

        Eq("feature", "feature", query.Feature);
        Eq("tenant", "tenant", query.Tenant);
        Eq("user_id", "user", query.User);
        Eq("model", "model", query.Model);
        Eq("provider", "provider", query.Provider);
        Eq("prompt_version", "promptVersion", query.PromptVersion);
        Eq("model_version", "modelVersion", query.ModelVersion);
        Eq("region", "region", query.Region);
        Eq("trace_id", "traceId", query.TraceId);
        Eq("operation", "operation", query.Operation);
        Eq("status", "status", query.Status switch { "ok" => 0, "error" => 1, _ => null });
        Eq("error_type", "errorType", query.ErrorType);
        if (query.Users is { Count: > 0 } users)
        {
            sql.Append(" AND user_id IN @users");
            p.Add("users", users.ToArray());
        }

        if (query.FindingKinds is { Count: > 0 } kinds)
        {
            sql.Append(" AND findings IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(findings) WHERE json_extract(value, '$.kind') IN @findingKinds)");
            p.Add("findingKinds", kinds.ToArray());
        }
        if (query.From is { } from)
        {
            sql.Append(" AND ts >= @from");
            p.Add("from", CeilingMilliseconds(from));
        }

        if (query.To is { } to)
        {
            sql.Append(" AND ts < @to");
            p.Add("to", CeilingMilliseconds(to));
        }

        if (query.AfterSequence is { } after)
        {
            sql.Append(" AND seq > @after");
            p.Add("after", after);
        }

        return (sql.ToString(), p);
    }

    /// <summary>Timestamps are stored in whole milliseconds; rounding a bound up keeps [from, to) exact for them.</summary>
    private static long CeilingMilliseconds(DateTimeOffset t)
    {
        var ms = t.ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(ms) < t ? ms + 1 : ms;
    }

    public async Task<IReadOnlyList<UsageSummary>> SummarizeAsync(string dimension, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default)
    {
        var column = dimension switch
        {
            "feature" or "tenant" or "model" or "provider" or "region" or "prompt_version" or "model_version" or "operation" => dimension,
            "user" => "user_id",
            _ => throw new ArgumentException($"cannot summarise by '{dimension}'", nameof(dimension)),
        };
        using var connection = database.Open();
        var rows = await connection.QueryAsync<UsageRow>(new CommandDefinition(
            $"""
            SELECT {column} AS key, COUNT(*) AS calls, SUM(status) AS errors, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
                   COALESCE(SUM(cost_usd), 0) AS cost_usd, SUM(CASE WHEN cost_source = 0 THEN 1 ELSE 0 END) AS unpriced
            FROM calls WHERE ts >= @from AND ts < @to GROUP BY {column} ORDER BY cost_usd DESC
            """,
            new { from = from?.ToUnixTimeMilliseconds() ?? long.MinValue, to = to?.ToUnixTimeMilliseconds() ?? long.MaxValue },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new UsageSummary(r.key, r.calls, r.errors, r.input_tokens, r.output_tokens, r.cost_usd, r.unpriced)).ToList();
    }

    public async Task<IReadOnlyList<DimensionAggregate>> AggregateAsync(IReadOnlyList<string> dimensions, DateTimeOffset from, DateTimeOffset to, string? feature = null, CancellationToken cancellationToken = default)
    {
        var columns = dimensions.Select((d, i) => (DimensionAggregate.Known.Contains(d) ? GroupColumn(d) : null)
            ?? throw new ArgumentException($"cannot group by '{d}'; use one of {string.Join(", ", DimensionAggregate.Known)}", nameof(dimensions))).Select((c, i) => $"{c} AS k{i}").ToList();
        var keys = string.Join(", ", dimensions.Select((_, i) => $"k{i}"));
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {string.Join(", ", columns)}, COUNT(*), SUM(status), SUM(CASE WHEN error_type = 'timeout' THEN 1 ELSE 0 END),
                   COALESCE(SUM(latency_ms), 0), COALESCE(SUM(cost_usd), 0), SUM(input_tokens), SUM(output_tokens)
            FROM calls WHERE ts >= @from AND ts < @to AND (@feature IS NULL OR feature = @feature)
            GROUP BY {keys}
            """;
        command.Parameters.AddWithValue("@from", from.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@to", to.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@feature", (object?)feature ?? DBNull.Value);
        var result = new List<DimensionAggregate>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var n = dimensions.Count;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = new string?[n];
            for (var i = 0; i < n; i++)
            {
                key[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            }

            result.Add(new DimensionAggregate(key, reader.GetInt64(n), reader.GetInt64(n + 1), reader.GetInt64(n + 2), reader.GetDouble(n + 3), reader.GetDouble(n + 4), reader.GetInt64(n + 5), reader.GetInt64(n + 6)));
        }

        return result;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM calls", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<long> LastSequenceAsync(CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(seq), 0) FROM calls", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<int> PurgeAsync(string? feature, IReadOnlyCollection<string> excludedFeatures, DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = database.Open();
            var cutoff = olderThan.ToUnixTimeMilliseconds();
            if (feature is not null)
            {
                return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM calls WHERE feature = @feature AND ts < @cutoff", new { feature, cutoff }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }

            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM calls WHERE ts < @cutoff AND (feature IS NULL OR feature NOT IN @excluded)",
                new { cutoff, excluded = excludedFeatures.ToArray() },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _checkpointer?.Dispose();
        _writer?.Dispose();
        _writeLock.Dispose();
    }
}

internal sealed class UsageRow
{
    public string? key { get; set; }
    public long calls { get; set; }
    public long errors { get; set; }
    public long input_tokens { get; set; }
    public long output_tokens { get; set; }
    public double cost_usd { get; set; }
    public long unpriced { get; set; }
}
