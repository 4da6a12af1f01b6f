using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Quell.Calls;

namespace Quell.Storage.Sqlite;

/// <summary>The calls table in SQLite, generated from <see cref="CallSchema"/>: DDL, the insert, the select lists and row reading.</summary>
internal static class SqliteCallColumns
{
    /// <summary>Columns of the log itself, besides the record's fields.</summary>
    private const string SequenceColumn = "seq INTEGER PRIMARY KEY AUTOINCREMENT";

    public const string IngestedAtColumn = "ingested_at";

    /// <summary>Every field's column then ingested_at: the insert binds them as ?1..?N in this order.</summary>
    public static string InsertSql { get; } =
        $"INSERT OR IGNORE INTO calls ({string.Join(", ", CallSchema.Fields.Select(f => f.Column))}, {IngestedAtColumn}) " +
        $"VALUES ({string.Join(", ", Enumerable.Range(1, CallSchema.Fields.Count + 1).Select(i => $"?{i}"))})";

    /// <summary>seq, then every field's column, in <see cref="CallSchema.Fields"/> order.</summary>
    public static string AllColumns { get; } = SelectList(CallSchema.Fields);

    /// <summary>seq, then the columns of <see cref="CallSchema.FigureFields"/>.</summary>
    public static string FigureColumns { get; } = SelectList(CallSchema.FigureFields);

    public static string CreateTableSql { get; } =
        $"CREATE TABLE calls (\n    {SequenceColumn},\n    {string.Join(",\n    ", CallSchema.Fields.Select(Definition))},\n    {IngestedAtColumn} INTEGER NOT NULL\n);";

    public static string TypeName(CallColumnType type) => type switch
    {
        CallColumnType.Int64 => "INTEGER",
        CallColumnType.Double => "REAL",
        _ => "TEXT",
    };

    /// <summary>Adds the columns of fields declared after the table was created (a new field is one line in the schema).</summary>
    public static void AddMissingColumns(SqliteConnection connection)
    {
        var existing = connection.Query<string>("SELECT name FROM pragma_table_info('calls')").ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var f in CallSchema.Fields.Where(f => !existing.Contains(f.Column)))
        {
            // SQLite adds a NOT NULL column only with a default; rows stored before the field existed take it.
            var notNull = f.NotNull ? $" NOT NULL DEFAULT {(f.ColumnType is CallColumnType.Int64 or CallColumnType.Double ? "0" : "''")}" : string.Empty;
            connection.Execute($"ALTER TABLE calls ADD COLUMN {f.Column} {TypeName(f.ColumnType)}{notNull}");
        }
    }

    /// <summary>Reads a row selected with <see cref="AllColumns"/> or <see cref="FigureColumns"/>.</summary>
    public static LoggedCall Read(DbDataReader reader, IReadOnlyList<CallField> fields)
    {
        var record = CallSchema.NewRecord();
        for (var i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            var ordinal = i + 1;
            var value = reader.IsDBNull(ordinal) ? default : f.ColumnType switch
            {
                CallColumnType.Int64 => CallColumnValue.OfInt64(reader.GetInt64(ordinal)),
                CallColumnType.Double => CallColumnValue.OfDouble(reader.GetDouble(ordinal)),
                _ => CallColumnValue.OfText(reader.GetString(ordinal)),
            };
            f.FromColumn(record, value);
        }

        return new LoggedCall(reader.GetInt64(0), record);
    }

    public static async Task<List<LoggedCall>> ReadAllAsync(DbDataReader reader, IReadOnlyList<CallField> fields, CancellationToken cancellationToken)
    {
        var list = new List<LoggedCall>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader, fields));
        }

        return list;
    }

    private static string SelectList(IReadOnlyList<CallField> fields) => "seq, " + string.Join(", ", fields.Select(f => f.Column));

    private static string Definition(CallField f) =>
        $"{f.Column} {TypeName(f.ColumnType)}{(f.NotNull ? " NOT NULL" : string.Empty)}{(f.Unique ? " UNIQUE" : string.Empty)}";
}
