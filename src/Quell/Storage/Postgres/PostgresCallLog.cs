using System.Text;
using Dapper;
using Npgsql;
using Quell.Calls;
using Quell.Storage.Sqlite;

namespace Quell.Storage.Postgres;

/// <summary>
/// The calls log in PostgreSQL. An append is one transaction: binary COPY into a temporary staging table, then one
/// de-duplicating INSERT into calls; it returns only after COMMIT, so the ingest queue's group commit acknowledges a
/// batch only once it is durable. Appends across instances serialise on an advisory lock, so sequences become visible
/// in order and a consumer reading "after seq N" never skips a call committed late.
/// </summary>
public sealed partial class PostgresCallLog(PostgresDatabase database, TimeProvider time) : ICallLog, IDisposable
{
    /// <summary>Key of the transaction-scoped advisory lock that orders appends to the calls log.</summary>
    private const long AppendLock = 0x5155454c4c43414c; // "QUELLCAL"

    private static readonly string Insert = $"""
        INSERT INTO calls ({PostgresCallColumns.Names}, ingested_at)
        SELECT {PostgresCallColumns.Names}, @now FROM calls_incoming ORDER BY ord
        ON CONFLICT (id) DO NOTHING
        RETURNING id, seq
        """;

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private NpgsqlConnection? _writer;
    private int _disposed;

    public async Task<AppendResult> AppendAsync(IReadOnlyList<CallRecord> calls, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                return await AppendOnWriterAsync(calls, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException) when (_writer is { State: not System.Data.ConnectionState.Open })
            {
                // The writer's connection broke (server restart, failover): nothing was committed, so open a new one and retry once.
                await ResetWriterAsync().ConfigureAwait(false);
                return await AppendOnWriterAsync(calls, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<AppendResult> AppendOnWriterAsync(IReadOnlyList<CallRecord> calls, CancellationToken cancellationToken)
    {
        if (_writer is null)
        {
            _writer = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await _writer.ExecuteAsync(PostgresCallColumns.StagingTable).ConfigureAwait(false);
        }

        var isNew = new bool[calls.Count];
        if (calls.Count == 0)
        {
            return new AppendResult(0, 0, await LastSequenceAsync(cancellationToken).ConfigureAwait(false)) { IsNew = isNew };
        }

        await using var tx = await _writer.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await _writer.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = AppendLock }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await using (var importer = await _writer.BeginBinaryImportAsync($"COPY calls_incoming (ord, {PostgresCallColumns.Names}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            for (var i = 0; i < calls.Count; i++)
            {
                PostgresCallColumns.WriteRow(importer, i, calls[i]);
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        var stored = new Dictionary<string, long>(StringComparer.Ordinal);
        long last = 0;
        await using (var insert = new NpgsqlCommand(Insert, _writer, tx))
        {
            insert.Parameters.AddWithValue("now", time.GetUtcNow().ToUnixTimeMilliseconds());
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var seq = reader.GetInt64(1);
                stored[reader.GetString(0)] = seq;
                last = Math.Max(last, seq);
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);

        // The first occurrence of an id in the batch is the one stored; repeats within the batch are duplicates.
        var inserted = 0;
        for (var i = 0; i < calls.Count; i++)
        {
            if (stored.Remove(calls[i].Id))
            {
                isNew[i] = true;
                inserted++;
            }
        }

        if (last == 0)
        {
            last = await LastSequenceAsync(cancellationToken).ConfigureAwait(false);
        }

        return new AppendResult(inserted, calls.Count - inserted, last) { IsNew = isNew };
    }

    private async Task ResetWriterAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
        }
    }

    public async Task<IReadOnlyList<LoggedCall>> ReadAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default) =>
        await QueryRowsAsync($"SELECT {PostgresCallColumns.All} FROM calls WHERE seq > @afterSequence ORDER BY seq LIMIT @limit", new { afterSequence, limit }, CallSchema.Fields, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<LoggedCall>> ReadFiguresAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default) =>
        await QueryRowsAsync($"SELECT {PostgresCallColumns.Figures} FROM calls WHERE seq > @afterSequence ORDER BY seq LIMIT @limit", new { afterSequence, limit }, CallSchema.FigureFields, cancellationToken).ConfigureAwait(false);

    public async Task<LoggedCall?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryRowsAsync($"SELECT {PostgresCallColumns.All} FROM calls WHERE id = @id", new { id }, CallSchema.Fields, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<LoggedCall>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        var (where, p) = Filter(query);
        p.Add("limit", Math.Clamp(query.Limit, 1, 10_000));
        return await QueryRowsAsync($"SELECT {PostgresCallColumns.All} FROM calls WHERE {where} ORDER BY seq DESC LIMIT @limit", p, CallSchema.Fields, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CallCounts> CountAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        var (where, p) = Filter(query);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var (calls, tenants, users) = await connection.QuerySingleAsync<(long, long, long)>(new CommandDefinition(
            $"SELECT COUNT(*), COUNT(DISTINCT tenant), COUNT(DISTINCT user_id) FROM calls WHERE {where}", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var names = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT tenant FROM calls WHERE {where} AND tenant IS NOT NULL GROUP BY tenant ORDER BY COUNT(*) DESC, tenant LIMIT 50", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new CallCounts(calls, (int)tenants, users, names.ToList());
    }

    public async Task<IReadOnlyList<UsageSummary>> SummarizeAsync(string dimension, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default)
    {
        var column = dimension switch
        {
            "feature" or "tenant" or "model" or "provider" or "region" or "prompt_version" or "model_version" or "operation" => dimension,
            "user" => "user_id",
            _ => throw new ArgumentException($"cannot summarise by '{dimension}'", nameof(dimension)),
        };
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<UsageRow>(new CommandDefinition(
            $"""
            SELECT {column} AS key, COUNT(*) AS calls, COALESCE(SUM(status), 0)::bigint AS errors, COALESCE(SUM(input_tokens), 0)::bigint AS input_tokens,
                   COALESCE(SUM(output_tokens), 0)::bigint AS output_tokens, COALESCE(SUM(cost_usd), 0) AS cost_usd,
                   COUNT(*) FILTER (WHERE cost_source = 0) AS unpriced
            FROM calls WHERE ts >= @from AND ts < @to GROUP BY {column} ORDER BY cost_usd DESC
            """,
            new { from = from?.ToUnixTimeMilliseconds() ?? long.MinValue, to = to?.ToUnixTimeMilliseconds() ?? long.MaxValue },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new UsageSummary(r.key, r.calls, r.errors, r.input_tokens, r.output_tokens, r.cost_usd, r.unpriced)).ToList();
    }

    public async Task<IReadOnlyList<DimensionAggregate>> AggregateAsync(IReadOnlyList<string> dimensions, DateTimeOffset from, DateTimeOffset to, string? feature = null, CancellationToken cancellationToken = default)
    {
        var columns = dimensions.Select((d, i) => d switch
        {
            "feature" or "tenant" or "model" or "provider" or "region" or "prompt_version" or "model_version" or "operation" => d,
            "user" => "user_id",
            "status" => "CASE status WHEN 1 THEN 'error' ELSE 'ok' END",
            "hour" => "to_char(date_trunc('hour', to_timestamp(ts / 1000.0) AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')",
            _ => throw new ArgumentException($"cannot group by '{d}'; use one of {string.Join(", ", DimensionAggregate.Known)}", nameof(dimensions)),
        } + $" AS k{i}").ToList();
        var keys = string.Join(", ", dimensions.Select((_, i) => $"k{i}"));
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {string.Join(", ", columns)}, COUNT(*), COALESCE(SUM(status), 0)::bigint, COUNT(*) FILTER (WHERE error_type = 'timeout'),
                   COALESCE(SUM(latency_ms), 0), COALESCE(SUM(cost_usd), 0), COALESCE(SUM(input_tokens), 0)::bigint, COALESCE(SUM(output_tokens), 0)::bigint
            FROM calls WHERE ts >= @from AND ts < @to AND (@feature::text IS NULL OR feature = @feature)
            GROUP BY {keys}
            """;
        command.Parameters.AddWithValue("from", from.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("to", to.ToUnixTimeMilliseconds());
        command.Parameters.Add(new NpgsqlParameter("feature", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)feature ?? DBNull.Value });
        var result = new List<DimensionAggregate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
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
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM calls", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<long> LastSequenceAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(seq), 0) FROM calls", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Retention deletes by time; the BRIN index on ts finds the old block ranges without a btree over every call.</summary>
    public async Task<int> PurgeAsync(string? feature, IReadOnlyCollection<string> excludedFeatures, DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var cutoff = olderThan.ToUnixTimeMilliseconds();
        if (feature is not null)
        {
            return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM calls WHERE feature = @feature AND ts < @cutoff", new { feature, cutoff }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM calls WHERE ts < @cutoff AND (feature IS NULL OR NOT (feature = ANY(@excluded)))",
            new { cutoff, excluded = excludedFeatures.ToArray() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _writer?.Dispose();
        _writeLock.Dispose();
    }

    private async Task<IReadOnlyList<LoggedCall>> QueryRowsAsync(string sql, object parameters, IReadOnlyList<CallField> fields, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return await SqliteCallColumns.ReadAllAsync(reader, fields, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Timestamps are stored in whole milliseconds; rounding a bound up keeps [from, to) exact for them.</summary>
    private static long CeilingMilliseconds(DateTimeOffset t)
    {
        var ms = t.ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(ms) < t ? ms + 1 : ms;
    }

    private static (string Where, DynamicParameters Parameters) Filter(CallQuery query)
    {
        var sql = new StringBuilder("TRUE");
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
        Eq("status", "status", query.Status switch { "ok" => (long?)0, "error" => (long?)1, _ => null });
        Eq("error_type", "errorType", query.ErrorType);
        if (query.Users is { Count: > 0 } users)
        {
            sql.Append(" AND user_id = ANY(@users)");
            p.Add("users", users.ToArray());
        }

        if (query.FindingKinds is { Count: > 0 } kinds)
        {
            sql.Append(" AND findings IS NOT NULL AND EXISTS (SELECT 1 FROM jsonb_array_elements(findings::jsonb) f WHERE f->>'kind' = ANY(@findingKinds))");
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
}
