using Quell.Storage.Sqlite;

namespace Quell.WebConsole;

/// <summary>The figures the console charts, read straight from SQLite without content columns.</summary>
public interface IConsoleFigures
{
    /// <summary>Call figures in [from, to), optionally of one feature and model; the key is "feature\u001fmodel".</summary>
    IAsyncEnumerable<FigurePoint> CallsAsync(string? feature, string? model, long fromMs, long toMs, bool traces, CancellationToken cancellationToken = default);

    /// <summary>Eval results (Good = passed) or feedback votes (Good = not negative), keyed like <see cref="CallsAsync"/>.</summary>
    IAsyncEnumerable<QualityPoint> QualityAsync(bool feedback, string? feature, long fromMs, long toMs, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IConsoleFigures"/> over the calls, eval_results and feedback tables.</summary>
public sealed class SqliteConsoleFigures(SqliteDatabase database) : IConsoleFigures
{
    public const char KeySeparator = '\u001f';

    public async IAsyncEnumerable<FigurePoint> CallsAsync(string? feature, string? model, long fromMs, long toMs, bool traces, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT ts, COALESCE(feature, ''), COALESCE(model, ''), latency_ms, ttft_ms, status, error_type, cost_usd, input_tokens, output_tokens, {(traces ? "trace_id" : "NULL")}
            FROM calls WHERE ts >= @from AND ts < @to AND (@feature IS NULL OR feature = @feature) AND (@model IS NULL OR model = @model)
            """;
        command.Parameters.AddWithValue("@model", (object?)model ?? DBNull.Value);
        command.Parameters.AddWithValue("@from", fromMs);
        command.Parameters.AddWithValue("@to", toMs);
        command.Parameters.AddWithValue("@feature", (object?)feature ?? DBNull.Value);
        var keys = new Dictionary<(string, string), string>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var pair = (reader.GetString(1), reader.GetString(2));
            if (!keys.TryGetValue(pair, out var key))
            {
                keys[pair] = key = string.Concat(pair.Item1, KeySeparator.ToString(), pair.Item2);
            }

            yield return new FigurePoint(
                reader.GetInt64(0),
                key,
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                reader.GetInt64(5) != 0,
                !reader.IsDBNull(6) && reader.GetString(6) == Calls.ErrorTypes.Timeout,
                reader.IsDBNull(7) ? null : reader.GetDouble(7),
                reader.GetInt64(8),
                reader.GetInt64(9),
                reader.IsDBNull(10) ? null : reader.GetString(10));
        }
    }

    public async IAsyncEnumerable<QualityPoint> QualityAsync(bool feedback, string? feature, long fromMs, long toMs, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = feedback
            ? "SELECT ts, COALESCE(feature, ''), COALESCE(model, ''), CASE WHEN thumbs_up = 0 OR (thumbs_up IS NULL AND score < 0.5) THEN 0 ELSE 1 END FROM feedback WHERE ts >= @from AND ts < @to AND (@feature IS NULL OR feature = @feature)"
            : "SELECT ts, COALESCE(feature, ''), COALESCE(model, ''), passed FROM eval_results WHERE ts >= @from AND ts < @to AND (@feature IS NULL OR feature = @feature)";
        command.Parameters.AddWithValue("@from", fromMs);
        command.Parameters.AddWithValue("@to", toMs);
        command.Parameters.AddWithValue("@feature", (object?)feature ?? DBNull.Value);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new QualityPoint(reader.GetInt64(0), string.Concat(reader.GetString(1), KeySeparator.ToString(), reader.GetString(2)), reader.GetInt64(3) != 0);
        }
    }
}
