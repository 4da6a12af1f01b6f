using Npgsql;
using NpgsqlTypes;
using Quell.Calls;
using Quell.Storage.Sqlite;

namespace Quell.Storage.Postgres;

/// <summary>
/// The calls table's columns as the PostgreSQL provider writes and reads them: the one place that maps a
/// <see cref="CallRecord"/> field to a column, its type and its binary COPY encoding. Reads go through
/// <see cref="CallRow"/>, whose properties carry the same column names.
/// </summary>
internal static class PostgresCallColumns
{
    /// <summary>One column: name, SQL type, whether it holds content (input, output, system prompt), and how COPY writes it.</summary>
    internal sealed record Column(string Name, string SqlType, bool Content, Action<NpgsqlBinaryImporter, CallRecord> Write);

    public static readonly IReadOnlyList<Column> Written =
    [
        Text("id", c => c.Id),
        Int("ts", c => c.Timestamp.ToUnixTimeMilliseconds()),
        Text("tenant", c => c.Tenant),
        Text("user_id", c => c.User),
        Text("feature", c => c.Feature),
        Text("operation", c => c.Operation),
        Text("provider", c => c.Provider),
        Text("model", c => c.Model),
        Text("model_version", c => c.ModelVersion),
        Text("region", c => c.Region),
        Text("prompt_version", c => c.PromptVersion),
        Text("trace_id", c => c.TraceId),
        Text("session_id", c => c.SessionId),
        Real("latency_ms", c => c.LatencyMs),
        Real("ttft_ms", c => c.TtftMs),
        Int("input_tokens", c => c.InputTokens),
        Int("output_tokens", c => c.OutputTokens),
        Int("cached_input_tokens", c => c.CachedInputTokens),
        Real("cost_usd", c => c.CostUsd),
        Small("cost_source", c => (short)c.CostSource),
        Small("status", c => (short)c.Status),
        Text("error_type", c => c.ErrorType),
        Text("input", c => c.Input, content: true),
        Text("output", c => c.Output, content: true),
        Text("system_prompt", c => c.SystemPrompt, content: true),
        Text("retrieved", c => c.Retrieved.Count == 0 ? null : CallRowJson.WriteRetrieved(c.Retrieved)),
        Text("tool_calls", c => c.ToolCalls.Count == 0 ? null : CallRowJson.WriteToolCalls(c.ToolCalls)),
        Text("attributes", c => c.AttributesJson, content: true),
        Text("findings", c => c.Findings.Count == 0 ? null : CallRowJson.WriteFindings(c.Findings)),
        Real("injection_score", c => c.InjectionScore),
    ];

    /// <summary>Every stored column of a call, for reads that return whole records.</summary>
    public static readonly string All = "seq, " + string.Join(", ", Written.Select(c => c.Name));

    /// <summary>The columns without content (input, output, system prompt, attributes): what consumers of figures need.</summary>
    public static readonly string Figures = "seq, " + string.Join(", ", Written.Where(c => !c.Content).Select(c => c.Name));

    /// <summary>The written columns, in COPY order.</summary>
    public static readonly string Names = string.Join(", ", Written.Select(c => c.Name));

    /// <summary>The session-local staging table COPY fills before the de-duplicating insert.</summary>
    public static readonly string StagingTable =
        $"CREATE TEMP TABLE IF NOT EXISTS calls_incoming (ord integer NOT NULL, {string.Join(", ", Written.Select(c => $"{c.Name} {c.SqlType}"))}) ON COMMIT DELETE ROWS";

    public static void WriteRow(NpgsqlBinaryImporter importer, int ordinal, CallRecord call)
    {
        importer.StartRow();
        importer.Write(ordinal, NpgsqlDbType.Integer);
        foreach (var column in Written)
        {
            column.Write(importer, call);
        }
    }

    private static Column Text(string name, Func<CallRecord, string?> value, bool content = false) => new(name, "text", content, (w, c) =>
    {
        if (value(c) is { } v)
        {
            w.Write(v, NpgsqlDbType.Text);
        }
        else
        {
            w.WriteNull();
        }
    });

    private static Column Int(string name, Func<CallRecord, long> value) => new(name, "bigint", false, (w, c) => w.Write(value(c), NpgsqlDbType.Bigint));

    private static Column Small(string name, Func<CallRecord, short> value) => new(name, "smallint", false, (w, c) => w.Write(value(c), NpgsqlDbType.Smallint));

    private static Column Real(string name, Func<CallRecord, double?> value) => new(name, "double precision", false, (w, c) =>
    {
        if (value(c) is { } v)
        {
            w.Write(v, NpgsqlDbType.Double);
        }
        else
        {
            w.WriteNull();
        }
    });
}
