using Quell.Storage.Sqlite;

namespace Quell.WebConsole;

/// <summary>The figures the console charts, read straight from SQLite without content columns.</summary>
public interface IConsoleFigures
{
    /// <summary>Call figures in [from, to), optionally of one feature and model; the key is "feature\u001fmodel".</summary>
    IAsyncEnumerable<FigurePoint> CallsAsync(string? feature, string? model, long fromMs, long toMs, bool traces, CancellationToken cancellationToken = default);

    /// <summary>One value per non-empty bucket of [from, to) for a call metric, computed next to the data.</summary>
    Task<IReadOnlyDictionary<long, double>> BucketsAsync(SeriesMetric metric, string? feature, string? model, long fromMs, long toMs, long stepMs, CancellationToken cancellationToken = default);

    /// <summary>Per feature × model, over [from, to) and per bucket of it: calls, errors, spend, p99 latency (see <see cref="OverviewFigures"/>).</summary>
    Task<IReadOnlyList<OverviewCell>> OverviewAsync(long fromMs, long toMs, long stepMs, CancellationToken cancellationToken = default);

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

    public async Task<IReadOnlyList<OverviewCell>> OverviewAsync(long fromMs, long toMs, long stepMs, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        return await OverviewFigures.QueryAsync(connection, fromMs, toMs, stepMs, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<long, double>> BucketsAsync(SeriesMetric metric, string? feature, string? model, long fromMs, long toMs, long stepMs, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        const string Where = "ts >= @from AND ts < @to AND (@feature IS NULL OR feature = @feature) AND (@model IS NULL OR model = @model)";
        var quantile = metric switch { SeriesMetric.LatencyP95 or SeriesMetric.TtftP95 => 0.95, SeriesMetric.LatencyP99 => 0.99, _ => (double?)null };
        var hours = stepMs / 3_600_000.0;
        command.CommandText = quantile is not null
            ? $"SELECT (ts - @from) / @step, {(metric == SeriesMetric.TtftP95 ? "ttft_ms" : "latency_ms")} FROM calls WHERE {Where} AND {(metric == SeriesMetric.TtftP95 ? "ttft_ms" : "latency_ms")} IS NOT NULL"
            : $"SELECT (ts - @from) / @step AS b, {metric switch
            {
                SeriesMetric.ErrorRate => "AVG(status)",
                SeriesMetric.TimeoutRate => "AVG(CASE WHEN error_type = 'timeout' THEN 1.0 ELSE 0.0 END)",
                SeriesMetric.CostPerCall => "AVG(COALESCE(cost_usd, 0))",
                SeriesMetric.SpendPerHour => $"SUM(COALESCE(cost_usd, 0)) / {hours.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                SeriesMetric.InputTokensPerCall => "AVG(input_tokens)",
                SeriesMetric.OutputTokensPerCall => "AVG(output_tokens)",
                SeriesMetric.CallsPerTrace => "CAST(COUNT(trace_id) AS REAL) / NULLIF(COUNT(DISTINCT trace_id), 0)",
                _ => "COUNT(*)",
            }} FROM calls WHERE {Where} GROUP BY b";
        command.Parameters.AddWithValue("@from", fromMs);
        command.Parameters.AddWithValue("@to", toMs);
        command.Parameters.AddWithValue("@step", stepMs);
        command.Parameters.AddWithValue("@feature", (object?)feature ?? DBNull.Value);
        command.Parameters.AddWithValue("@model", (object?)model ?? DBNull.Value);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<long, double>();
        if (quantile is { } q)
        {
            var buckets = new Dictionary<long, List<double>>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var b = reader.GetInt64(0);
                if (!buckets.TryGetValue(b, out var list))
                {
                    buckets[b] = list = [];
                }

                list.Add(reader.GetDouble(1));
            }

            foreach (var (b, list) in buckets)
            {
                list.Sort();
                result[b] = ConsoleSeries.Quantile(list, q);
            }

            return result;
        }

        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.IsDBNull(1))
            {
                result[reader.GetInt64(0)] = reader.GetDouble(1);
            }
        }

        return result;
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
