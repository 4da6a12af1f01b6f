using Dapper;
using Npgsql;
using NpgsqlTypes;
using Quell.Calls;

namespace Quell.Storage.Postgres;

/// <summary>
/// The calls table in PostgreSQL, generated from <see cref="CallSchema"/>: DDL, the binary COPY of the staging table,
/// the de-duplicating insert and the select lists. Rows are read back by <see cref="Sqlite.SqliteCallColumns.Read"/>,
/// which maps any provider's reader through the same schema.
/// </summary>
internal static class PostgresCallColumns
{
    public const string IngestedAtColumn = "ingested_at";

    /// <summary>seq, then every field's column, in <see cref="CallSchema.Fields"/> order.</summary>
    public static string All { get; } = "seq, " + string.Join(", ", CallSchema.Fields.Select(f => f.Column));

    /// <summary>seq, then the columns of <see cref="CallSchema.FigureFields"/>.</summary>
    public static string Figures { get; } = "seq, " + string.Join(", ", CallSchema.FigureFields.Select(f => f.Column));

    /// <summary>Every field's column, in COPY order.</summary>
    public static string Names { get; } = string.Join(", ", CallSchema.Fields.Select(f => f.Column));

    public static string CreateTableSql { get; } =
        $"CREATE TABLE calls (\n    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    {string.Join(",\n    ", CallSchema.Fields.Select(Definition))},\n    {IngestedAtColumn} bigint NOT NULL\n);";

    /// <summary>The connection-local (temporary) staging table COPY fills before the de-duplicating insert.</summary>
    public static string StagingTable { get; } =
        $"CREATE TEMP TABLE IF NOT EXISTS calls_incoming (ord integer NOT NULL, {string.Join(", ", CallSchema.Fields.Select(f => $"{f.Column} {TypeName(f.ColumnType)}"))}) ON COMMIT DELETE ROWS";

    public static string TypeName(CallColumnType type) => type switch
    {
        CallColumnType.Int64 => "bigint",
        CallColumnType.Double => "double precision",
        _ => "text",
    };

    /// <summary>Adds the columns of fields declared after the table was created (a new field is one line in the schema).</summary>
    public static void AddMissingColumns(NpgsqlConnection connection)
    {
        var existing = connection.Query<string>("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'calls'").ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (existing.Count == 0)
        {
            return;
        }

        foreach (var f in CallSchema.Fields.Where(f => !existing.Contains(f.Column)))
        {
            var notNull = f.NotNull ? $" NOT NULL DEFAULT {(f.ColumnType is CallColumnType.Int64 or CallColumnType.Double ? "0" : "''")}" : string.Empty;
            connection.Execute($"ALTER TABLE calls ADD COLUMN {f.Column} {TypeName(f.ColumnType)}{notNull}");
        }
    }

    public static void WriteRow(NpgsqlBinaryImporter importer, int ordinal, CallRecord call)
    {
        importer.StartRow();
        importer.Write(ordinal, NpgsqlDbType.Integer);
        foreach (var f in CallSchema.Fields)
        {
            var value = f.ToColumn(call);
            switch (f.ColumnType)
            {
                case CallColumnType.Int64:
                    importer.Write(value.Int64, NpgsqlDbType.Bigint);
                    break;
                case CallColumnType.Double when value.Double is { } d:
                    importer.Write(d, NpgsqlDbType.Double);
                    break;
                case CallColumnType.Text or CallColumnType.Json when value.Text is { } text:
                    importer.Write(text, NpgsqlDbType.Text);
                    break;
                default:
                    importer.WriteNull();
                    break;
            }
        }
    }

    private static string Definition(CallField f) =>
        $"{f.Column} {TypeName(f.ColumnType)}{(f.NotNull ? " NOT NULL" : string.Empty)}{(f.Unique ? " UNIQUE" : string.Empty)}";
}
