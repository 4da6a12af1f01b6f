using System.Globalization;

namespace Quell.Detection.Backtest;

/// <summary>
/// <c>quell backtest</c> on a <c>timestamp,value</c> CSV: reads the rows, scores them with
/// <see cref="CsvAnomalyScorer"/> and writes <c>timestamp,value,anomaly_score,alert</c>.
/// </summary>
public static class CsvBacktest
{
    /// <summary>Scores <paramref name="csv"/> into <paramref name="output"/>; returns the number of data rows.</summary>
    /// <remarks>
    /// Timestamps are echoed as given (integer index, ISO 8601 or <c>yyyy-MM-dd HH:mm:ss</c>): rows are taken in file
    /// order and the scorer never needs the sampling interval. A header is recognised by a non-numeric value
    /// column; its <c>timestamp</c> and <c>value</c> columns are used wherever they are.
    /// </remarks>
    public static int Run(TextReader csv, TextWriter output)
    {
        var lines = new List<string>();
        while (csv.ReadLine() is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                lines.Add(line);
            }
        }

        var (timestampColumn, valueColumn, first) = ReadHeader(lines);
        var scorer = new CsvAnomalyScorer(CsvAnomalyScorer.WarmupFor(lines.Count - first));
        output.WriteLine("timestamp,value,anomaly_score,alert");
        for (var i = first; i < lines.Count; i++)
        {
            var cells = Split(lines[i]);
            var timestamp = timestampColumn < cells.Count ? cells[timestampColumn] : "";
            var rawValue = valueColumn < cells.Count ? cells[valueColumn] : "";
            var value = double.TryParse(rawValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
            var score = scorer.Next(value);
            output.Write(Quote(timestamp));
            output.Write(',');
            output.Write(rawValue);
            output.Write(',');
            output.Write(score.Score.ToString("0.####", CultureInfo.InvariantCulture));
            output.Write(',');
            output.WriteLine(score.Alert ? '1' : '0');
        }

        return lines.Count - first;
    }

    private static (int Timestamp, int Value, int FirstDataLine) ReadHeader(List<string> lines)
    {
        if (lines.Count == 0)
        {
            return (0, 1, 0);
        }

        var cells = Split(lines[0]);
        var valueGuess = cells.Count > 1 ? 1 : 0;
        if (double.TryParse(cells[valueGuess], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return (0, valueGuess, 0);
        }

        var timestamp = cells.FindIndex(c => c.Equals("timestamp", StringComparison.OrdinalIgnoreCase));
        var value = cells.FindIndex(c => c.Equals("value", StringComparison.OrdinalIgnoreCase));
        return (timestamp < 0 ? 0 : timestamp, value < 0 ? valueGuess : value, 1);
    }

    private static List<string> Split(string line)
    {
        var cells = new List<string>(4);
        foreach (var cell in line.Split(','))
        {
            cells.Add(cell.Trim().Trim('"'));
        }

        return cells;
    }

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) ? $"\"{s}\"" : s;
}
