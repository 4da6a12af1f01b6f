using Quell.Detection.Statistics;

namespace Quell.Detection.Backtest;

/// <summary>Score of one row of a univariate series.</summary>
public readonly record struct AnomalyScore(double Score, bool Alert);

/// <summary>
/// Streaming anomaly scorer for a single numeric series of unknown sampling interval (latency-like or any other
/// metric): a robust Holt model (level + trend, outlier-clipped updates) predicts each point; the residual's
/// robust z-score flags spikes, a two-sided CUSUM on clipped z-scores flags level shifts, and after a shift the
/// model re-anchors on the recent median so that a permanent new level stops alerting.
/// </summary>
/// <remarks>
/// The constants are textbook choices (3σ clipping, alerts at 6σ, CUSUM k = 0.5, h = 8 on z clipped to ±4) and
/// not fitted to any data set, so that the scorer behaves the same on series it has never seen.
/// </remarks>
public sealed class CsvAnomalyScorer
{
    private const double LevelAlpha = 0.15;
    private const double TrendBeta = 0.05;
    private const double ScaleAlpha = 0.02;
    private const double SpikeLow = 3;
    private const double SpikeAlert = 6;
    private const double SpikeHigh = 9;
    private const double CusumClip = 4;
    private const int RecentSize = 5;
    private const int SeedPoints = 10;

    private readonly int _warmup;
    private readonly double[] _recent = new double[RecentSize];
    private Cusum _cusum = new(0.5, 8);
    private RobustEwma _residuals;
    private RobustEwma _levelSpread;
    private double _level;
    private double _trend;
    private long _seen;

    /// <param name="warmupPoints">Points learned before any score is given (scores are 0 meanwhile).</param>
    public CsvAnomalyScorer(int warmupPoints = 100) => _warmup = Math.Max(10, warmupPoints);

    /// <summary>Warm-up for a series of <paramref name="rows"/> points: 10 %, between 30 and 1000 points.</summary>
    public static int WarmupFor(int rows) => Math.Clamp(rows / 10, 30, 1000);

    /// <summary>Scores the next value; non-finite values score 0 and leave the model untouched.</summary>
    public AnomalyScore Next(double value)
    {
        if (!double.IsFinite(value))
        {
            return new AnomalyScore(0, false);
        }

        _recent[_seen % RecentSize] = value;
        _seen++;
        if (_seen == 1)
        {
            _level = value;
            return new AnomalyScore(0, false);
        }

        var predicted = _level + _trend;
        var residual = value - predicted;
        var scale = Math.Max(_residuals.Scale, ScaleFloor());
        var z = scale > 0 ? residual / scale : 0;
        var learning = _seen <= _warmup;

        // The first few points only seed the model; after that shifts re-anchor it even during warm-up, so a
        // shift inside the warm-up does not leave it learning the wrong level.
        var seeding = _seen <= SeedPoints;
        var direction = seeding ? ChangeDirection.None : _cusum.Update(Math.Clamp(z, -CusumClip, CusumClip), default);
        var shifted = direction != ChangeDirection.None;
        if (shifted)
        {
            Reanchor();
        }
        else
        {
            Learn(predicted, residual, seeding ? double.MaxValue : 3 * scale);
        }

        _levelSpread.Update(value, 0.01);
        if (learning)
        {
            return new AnomalyScore(0, false);
        }

        var spike = Math.Clamp((Math.Abs(z) - SpikeLow) / (SpikeHigh - SpikeLow), 0, 1);
        // Half the CUSUM threshold is ordinary wandering; only evidence beyond it raises the score.
        var half = _cusum.Threshold / 2;
        var shift = shifted ? 1 : 0.9 * Math.Clamp((Math.Max(_cusum.Upper, _cusum.Lower) - half) / half, 0, 1);
        var score = Math.Max(spike, shift);
        return new AnomalyScore(score, shifted || Math.Abs(z) >= SpikeAlert);
    }

    private void Learn(double predicted, double residual, double clip)
    {
        var clipped = Math.Clamp(residual, -clip, clip);
        _level = predicted + (LevelAlpha * clipped);
        _trend += LevelAlpha * TrendBeta * clipped;
        _residuals.Update(residual, ScaleAlpha, clip: 3);
    }

    // A level shift: start again from the recent median with no trend; the noise scale carries over.
    private void Reanchor()
    {
        var n = (int)Math.Min(_seen, RecentSize);
        Span<double> recent = stackalloc double[n];
        _recent.AsSpan(0, n).CopyTo(recent);
        recent.Sort();
        _level = recent[n / 2];
        _trend = 0;
        _cusum.Reset();
    }

    // Constant stretches have zero spread; a floor tied to the series' own scale avoids infinite z-scores.
    private double ScaleFloor() => Math.Max(1e-9, Math.Max(1e-3 * Math.Abs(_level), 0.05 * _levelSpread.Scale));
}
