using Microsoft.Data.Sqlite;
using Quell.Calls;
using SQLitePCL;

namespace Quell.Storage.Sqlite;

/// <summary>
/// The ingest writer's prepared INSERT (generated from <see cref="CallSchema"/>), bound through SQLite's C API by
/// position. Written against the raw API
/// because the ADO.NET layer's per-execute cost (parameter lookup by name, reader setup) was most of the
/// append time in the StoreAppend benchmark.
/// </summary>
internal sealed class CallInsertStatement : IDisposable
{
    private static readonly CallField[] Fields = [.. CallSchema.Fields];

    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _insert;

    public CallInsertStatement(SqliteConnection connection)
    {
        _connection = connection;
        _db = connection.Handle!;
        Check(raw.sqlite3_prepare_v2(_db, SqliteCallColumns.InsertSql, out _insert));
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

    /// <summary>Binds every schema field by its position in the generated insert, then ingested_at.</summary>
    private void Bind(CallRecord c, long now)
    {
        var fields = Fields;
        for (var i = 0; i < fields.Length; i++)
        {
            var f = fields[i];
            var v = f.ToColumn(c);
            switch (f.ColumnType)
            {
                case CallColumnType.Int64:
                    Int(i + 1, v.Int64);
                    break;
                case CallColumnType.Double:
                    Real(i + 1, v.Double);
                    break;
                default:
                    Text(i + 1, v.Text);
                    break;
            }
        }

        Int(fields.Length + 1, now);
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
