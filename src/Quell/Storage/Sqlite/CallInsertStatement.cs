using Microsoft.Data.Sqlite;
using Quell.Calls;
using SQLitePCL;

namespace Quell.Storage.Sqlite;

/// <summary>
/// The ingest writer's prepared INSERT, bound through SQLite's C API by position. Written against the raw API
/// because the ADO.NET layer's per-execute cost (parameter lookup by name, reader setup) was most of the
/// append time in the StoreAppend benchmark.
/// </summary>
internal sealed class CallInsertStatement : IDisposable
{
    private const string Sql = """
        INSERT OR IGNORE INTO calls (id, ts, tenant, user_id, feature, operation, provider, model, model_version, region, prompt_version,
            trace_id, session_id, latency_ms, ttft_ms, input_tokens, output_tokens, cached_input_tokens, cost_usd, cost_source,
            status, error_type, input, output, system_prompt, retrieved, tool_calls, attributes, ingested_at, findings, injection_score)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)
        """;

    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _insert;

    public CallInsertStatement(SqliteConnection connection)
    {
        _connection = connection;
        _db = connection.Handle!;
        Check(raw.sqlite3_prepare_v2(_db, Sql, out _insert));
    }

    /// <summary>Inserts all calls in one transaction; marks which were new; returns how many were.</summary>
    public int InsertAll(IReadOnlyList<CallRecord> calls, long now, bool[] isNew)
    {
        Check(raw.sqlite3_exec(_db, "BEGIN IMMEDIATE"));
        try
        {
            var inserted = 0;
            for (var i = 0; i < calls.Count; i++)
            {
                Bind(calls[i], now);
                var rc = raw.sqlite3_step(_insert);
                raw.sqlite3_reset(_insert);
                if (rc != raw.SQLITE_DONE)
                {
                    Check(rc);
                }

                isNew[i] = raw.sqlite3_changes(_db) > 0;
                inserted += isNew[i] ? 1 : 0;
            }

            Check(raw.sqlite3_exec(_db, "COMMIT"));
            return inserted;
        }
        catch
        {
            raw.sqlite3_exec(_db, "ROLLBACK");
            throw;
        }
        finally
        {
            raw.sqlite3_clear_bindings(_insert);
        }
    }

    public long LastSequence()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM calls";
        return (long)cmd.ExecuteScalar()!;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
    }

    private void Bind(CallRecord c, long now)
    {
        Text(1, c.Id);
        Int(2, c.Timestamp.ToUnixTimeMilliseconds());
        Text(3, c.Tenant);
        Text(4, c.User);
        Text(5, c.Feature);
        Text(6, c.Operation);
        Text(7, c.Provider);
        Text(8, c.Model);
        Text(9, c.ModelVersion);
        Text(10, c.Region);
        Text(11, c.PromptVersion);
        Text(12, c.TraceId);
        Text(13, c.SessionId);
        Real(14, c.LatencyMs);
        Real(15, c.TtftMs);
        Int(16, c.InputTokens);
        Int(17, c.OutputTokens);
        Int(18, c.CachedInputTokens);
        Real(19, c.CostUsd);
        Int(20, (int)c.CostSource);
        Int(21, (int)c.Status);
        Text(22, c.ErrorType);
        Text(23, c.Input);
        Text(24, c.Output);
        Text(25, c.SystemPrompt);
        Text(26, c.Retrieved.Count == 0 ? null : CallRowJson.WriteRetrieved(c.Retrieved));
        Text(27, c.ToolCalls.Count == 0 ? null : CallRowJson.WriteToolCalls(c.ToolCalls));
        Text(28, c.AttributesJson);
        Int(29, now);
        Text(30, c.Findings.Count == 0 ? null : CallRowJson.WriteFindings(c.Findings));
        Real(31, c.InjectionScore);
    }

    private void Text(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_insert, index) : raw.sqlite3_bind_text(_insert, index, value));

    private void Int(int index, long value) => Check(raw.sqlite3_bind_int64(_insert, index, value));

    private void Real(int index, double? value) =>
        Check(value is { } v ? raw.sqlite3_bind_double(_insert, index, v) : raw.sqlite3_bind_null(_insert, index));

    private void Check(int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW))
        {
            throw new SqliteException($"SQLite error {rc}: {raw.sqlite3_errmsg(_db).utf8_to_string()}", rc);
        }
    }
}
