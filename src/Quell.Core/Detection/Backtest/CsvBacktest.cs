using System.Globalization;
using Quell.Detection.Sketches;
using Quell.Detection.Statistics;

namespace Quell.Detection.Backtest;

/// <summary>Score of one row of a univariate series.</summary>
public readonly record struct AnomalyScore(double Score, bool Alert);

/// <summary>
/// <c>quell backtest</c> on a <c>timestamp,value</c> CSV: the rows go, in file order, through the same
/// <see cref="StreamingChangeDetector"/> that watches every production series, and come out as
/// <c>timestamp,value,anomaly_score,alert</c> (<c>alert</c> = 1 on the row that opens an anomalous episode).
/// </summary>
public static class CsvBacktest
{
    /// <summary>Warm-up for a series of <paramref name="rows"/> points: 15 %, between 10 and 1000 points.</summary>
    public static int WarmupFor(int rows) => Math.Clamp(rows * 15 / 100, 10, 1000);

    /// <summary>
    /// Scores a whole series. The cycle length (if any) is found in the warm-up, which is scored 0 anyway, so every
    /// later score depends only on the rows before it.
    /// </summary>
    public static AnomalyScore[] Score(IReadOnlyList<double> values)
    {
        var warmup = WarmupFor(values.Count);
        var head = values.Take(warmup).Where(double.IsFinite).ToArray();
        var period = SeasonalPeriod.Detect(head);
        var detector = new StreamingChangeDetector(new ChangeDetectorOptions { WarmupPoints = warmup }, period);
        if (period > 0)
        {
            detector.SeedSeason(SeasonProfile(head, period));
        }
        var quantum = new QuantumFloor();
        var scores = new AnomalyScore[values.Count];
        var phase = 0;
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            if (!double.IsFinite(v))
            {
                continue;
            }

            detector.ScaleFloor = quantum.Floor;
            var step = detector.Observe(v, phase++, DateTimeOffset.UnixEpoch.AddSeconds(i));
            quantum.Add(v, detector.Expected(0).Expected);
            scores[i] = new AnomalyScore(step.Score, step.Onset);
        }

        return scores;
    }

    // Classical decomposition of the warm-up: the mean detrended value per phase, centred.
    private static double[] SeasonProfile(double[] head, int period)
    {
        var detrended = SeasonalPeriod.Detrend(head);
        var profile = new double[period];
        var counts = new int[period];
        for (var i = 0; i < detrended.Length; i++)
        {
            profile[i % period] += detrended[i];
            counts[i % period]++;
        }

        for (var j = 0; j < period; j++)
        {
            profile[j] /= Math.Max(1, counts[j]);
        }

        var mean = profile.Average();
        return [.. profile.Select(p => p - mean)];
    }

    /// <summary>Scores <paramref name="csv"/> into <paramref name="output"/>; returns the number of data rows.</summary>
    /// <remarks>
    /// Timestamps are echoed as given (integer index, ISO 8601 or <c>yyyy-MM-dd HH:mm:ss</c>): rows are taken in file
    /// order and the detector never needs the sampling interval. A header is recognised by a non-numeric value
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
        var rows = new List<(string Timestamp, string Raw, double Value)>(lines.Count);
        for (var i = first; i < lines.Count; i++)
        {
            var cells = Split(lines[i]);
            var timestamp = timestampColumn < cells.Count ? cells[timestampColumn] : "";
            var rawValue = valueColumn < cells.Count ? cells[valueColumn] : "";
            var value = double.TryParse(rawValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
            rows.Add((timestamp, rawValue, value));
        }

        var scores = Score(rows.Select(r => r.Value).ToList());
        output.WriteLine("timestamp,value,anomaly_score,alert");
        for (var i = 0; i < rows.Count; i++)
        {
            output.Write(Quote(rows[i].Timestamp));
            output.Write(',');
            output.Write(rows[i].Raw);
            output.Write(',');
            output.Write(scores[i].Score.ToString("0.####", CultureInfo.InvariantCulture));
            output.Write(',');
            output.WriteLine(scores[i].Alert ? '1' : '0');
        }

        return rows.Count;
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

    // Constant stretches have zero spread, and sparse or quantised series (counts that are mostly 0) make the robust
    // spread far smaller than one quantum. The floor is the larger of a sliver of the level, a sliver of the series'
    // own spread, and half the quantum: a low quantile of the non-zero steps between consecutive values, which is one
    // unit for counts but a small fraction of σ for continuous data.
    private sealed class QuantumFloor
    {
        private readonly DDSketch _steps = new(0.02);
        private RobustEwma _spread;
        private double _previous = double.NaN;
        private double _quantum;

        public double Floor { get; private set; } = 1e-9;

        public void Add(double value, double level)
        {
            _spread.Update(value, 0.01);
            var step = Math.Abs(value - _previous);
            _previous = value;
            if (step > 0 && double.IsFinite(step))
            {
                // A quantum guessed from a handful of steps would be the first jump itself.
                _steps.Add(step);
                if (_steps.Count >= 20 && _steps.Count % 16 == 4)
                {
                    _quantum = _steps.Quantile(0.1);
                }
            }

            Floor = Math.Max(1e-9, Math.Max(Math.Max(1e-3 * Math.Abs(level), 0.05 * _spread.Scale), 0.5 * _quantum));
        }
    }
}
