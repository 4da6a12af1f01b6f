using System.Data.Common;

namespace Quell.WebConsole;

/// <summary>
/// One feature × model's call figures over a whole range (<see cref="Bucket"/> −1) or one bucket of it: calls, errors,
/// spend and the p99 latency, each computed by the database.
/// </summary>
public sealed record OverviewCell(string Feature, string Model, long Bucket, long Calls, long Errors, double CostUsd, double? LatencyP99Ms);

/// <summary>
/// The overview's call figures as one aggregate query that SQLite and PostgreSQL both run: counts and sums by group,
/// and the p99 latency from the two ranks around it (window functions), interpolated as
/// <see cref="ConsoleSeries.Quantile"/> does. No call row leaves the database, whatever the traffic.
/// </summary>
public static class OverviewFigures
{
    /// <summary>The quantile the overview charts, in hundredths.</summary>
    private const int Percent = 99;

    private const string Sql = """
        WITH c AS (
            SELECT COALESCE(feature, '') AS f, COALESCE(model, '') AS m, (ts - @from) / @step AS b, status AS e, COALESCE(cost_usd, 0) AS cost, latency_ms AS v
            FROM calls WHERE ts >= @from AND ts < @to
        ),
        totals AS (
            SELECT f, m, b, COUNT(*) AS n, SUM(e) AS errors, SUM(cost) AS cost FROM c GROUP BY f, m, b
            UNION ALL
            SELECT f, m, -1 AS b, COUNT(*) AS n, SUM(e) AS errors, SUM(cost) AS cost FROM c GROUP BY f, m
        ),
        ranked AS (
            SELECT f, m, b, v, ROW_NUMBER() OVER (PARTITION BY f, m, b ORDER BY v) - 1 AS r, COUNT(*) OVER (PARTITION BY f, m, b) AS k FROM c WHERE v IS NOT NULL
            UNION ALL
            SELECT f, m, -1 AS b, v, ROW_NUMBER() OVER (PARTITION BY f, m ORDER BY v) - 1 AS r, COUNT(*) OVER (PARTITION BY f, m) AS k FROM c WHERE v IS NOT NULL
        )
        SELECT 0, f, m, b, n, errors, cost, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) FROM totals
        UNION ALL
        SELECT 1, f, m, b, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), v, r, k FROM ranked
        WHERE r = ((k - 1) * @percent) / 100 OR r = ((k - 1) * @percent) / 100 + 1
        """;

    /// <summary>Runs the query on an open connection of either store; buckets are <paramref name="stepMs"/> wide from <paramref name="fromMs"/>.</summary>
    public static async Task<IReadOnlyList<OverviewCell>> QueryAsync(DbConnection connection, long fromMs, long toMs, long stepMs, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Sql;
        Add(command, "@from", fromMs);
        Add(command, "@to", toMs);
        Add(command, "@step", stepMs);
        Add(command, "@percent", (long)Percent);
        var totals = new Dictionary<(string, string, long), (long Calls, long Errors, double Cost)>();
        var ranks = new Dictionary<(string, string, long), (double? Lo, double? Hi, long Count)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(1), reader.GetString(2), Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture));
                if (Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) == 0)
                {
                    totals[key] = (Long(reader, 4), Long(reader, 5), reader.IsDBNull(6) ? 0 : Convert.ToDouble(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture));
                    continue;
                }

                var value = Convert.ToDouble(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture);
                var rank = Long(reader, 7);
                var count = Long(reader, 8);
                var at = ranks.GetValueOrDefault(key, (null, null, count));
                ranks[key] = rank == (count - 1) * Percent / 100 ? (value, at.Hi, count) : (at.Lo, value, count);
            }
        }

        return totals.Select(t => new OverviewCell(t.Key.Item1, t.Key.Item2, t.Key.Item3, t.Value.Calls, t.Value.Errors, t.Value.Cost,
                ranks.TryGetValue(t.Key, out var q) && q.Lo is { } lo ? Interpolate(lo, q.Hi ?? lo, q.Count) : null))
            .ToList();
    }

    // The rank is (count − 1) × 0.99: its whole part picked the lower value, its fraction weighs the upper one.
    private static double Interpolate(double lo, double hi, long count) =>
        lo + ((hi - lo) * ((count - 1) * Percent % 100 / 100.0));

    private static long Long(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private static void Add(DbCommand command, string name, long value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
