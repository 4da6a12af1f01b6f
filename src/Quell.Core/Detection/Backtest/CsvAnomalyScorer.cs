using Quell.Detection.Sketches;
using Quell.Detection.Statistics;

namespace Quell.Detection.Backtest;

/// <summary>Score of one row of a univariate series.</summary>
public readonly record struct AnomalyScore(double Score, bool Alert);

/// <summary>
/// Streaming anomaly scorer for a single numeric series of unknown sampling interval (latency-like or any other
/// metric). A robust Holt–Winters model (level + trend, plus a seasonal profile when the warm-up shows a clear
/// cycle; outlier-clipped updates) predicts each point; the residual's robust z-score flags spikes, a two-sided
/// CUSUM on clipped z-scores flags level shifts, and after a shift the model re-anchors on the recent median so
/// that a permanent new level stops alerting.
/// </summary>
/// <remarks>
/// The constants are textbook choices (3σ clipping, alerts at 6σ, CUSUM k = 0.5, h = 8 on z clipped to ±4,
/// seasonality only when the autocorrelation peak reaches 0.5) and not fitted to any data set, so that the scorer
/// behaves the same on series it has never seen.
/// </remarks>
public sealed class CsvAnomalyScorer
{
    private const double LevelAlpha = 0.15;
    private const double TrendBeta = 0.05;
    private const double SeasonGamma = 0.1;
    private const double ScaleAlpha = 0.02;
    private const double SpikeLow = 3;
    private const double SpikeAlert = 6;
    private const double SpikeHigh = 9;
    private const double CusumClip = 4;
    private const int RecentSize = 5;
    private const int SeedPoints = 10;

    private readonly int _warmup;
    private readonly List<double> _warmupValues = [];
    private readonly double[] _recent = new double[RecentSize];
    private Cusum _cusum = new(0.5, 8);
    private RobustEwma _residuals;
    private RobustEwma _levelSpread;
    private double[]? _seasonal;
    private bool _initialised;
    private double _level;
    private double _trend;
    private long _t;
    private long _seen;
    private double _previous = double.NaN;
    private readonly DDSketch _steps = new(0.02);
    private double _quantum;

    /// <param name="warmupPoints">Points learned before any score is given (scores are 0 meanwhile).</param>
    public CsvAnomalyScorer(int warmupPoints = 100) => _warmup = Math.Max(SeedPoints, warmupPoints);

    /// <summary>Cycle length found in the warm-up (0 when none).</summary>
    public int Period => _seasonal?.Length ?? 0;

    /// <summary>Warm-up for a series of <paramref name="rows"/> points: 15 %, between 30 and 1000 points.</summary>
    public static int WarmupFor(int rows) => Math.Clamp(rows * 15 / 100, 30, 1000);

    /// <summary>Scores the next value; non-finite values score 0 and leave the model untouched.</summary>
    public AnomalyScore Next(double value)
    {
        if (!double.IsFinite(value))
        {
            return new AnomalyScore(0, false);
        }

        _seen++;
        if (_seen <= _warmup)
        {
            _warmupValues.Add(value);
            Step(value, seeding: _seen <= SeedPoints);
            TrackStep(value);
            if (_seen == _warmup)
            {
                FitSeasonality();
            }

            return new AnomalyScore(0, false);
        }

        var (z, shifted) = Step(value, seeding: false);
        TrackStep(value);
        var spike = Math.Clamp((Math.Abs(z) - SpikeLow) / (SpikeHigh - SpikeLow), 0, 1);

        // Half the CUSUM threshold is ordinary wandering; only evidence beyond it raises the score.
        var half = _cusum.Threshold / 2;
        var shift = shifted ? 1 : 0.9 * Math.Clamp((Math.Max(_cusum.Upper, _cusum.Lower) - half) / half, 0, 1);
        return new AnomalyScore(Math.Max(spike, shift), shifted || Math.Abs(z) >= SpikeAlert);
    }

    private (double Z, bool Shifted) Step(double value, bool seeding)
    {
        var phase = _seasonal is null ? 0 : (int)(_t % _seasonal.Length);
        var season = _seasonal?[phase] ?? 0;
        _recent[_t % RecentSize] = value - season;
        _t++;
        if (!_initialised)
        {
            (_level, _initialised) = (value - season, true);
            return (0, false);
        }

        var residual = value - (_level + _trend + season);
        var scale = Math.Max(_residuals.Scale, ScaleFloor());
        var z = scale > 0 ? residual / scale : 0;

        // The first few points only seed the model; after that shifts re-anchor it even during warm-up, so a
        // shift inside the warm-up does not leave it learning the wrong level.
        var direction = seeding ? ChangeDirection.None : _cusum.Update(Math.Clamp(z, -CusumClip, CusumClip), default);
        var shifted = direction != ChangeDirection.None;
        if (shifted)
        {
            Reanchor();
        }
        else
        {
            Learn(residual, seeding ? double.MaxValue : 3 * scale, phase);
        }

        _levelSpread.Update(value - season, 0.01);
        return (z, shifted);
    }

    private void Learn(double residual, double clip, int phase)
    {
        var clipped = Math.Clamp(residual, -clip, clip);
        _level += _trend + (LevelAlpha * clipped);
        _trend += LevelAlpha * TrendBeta * clipped;
        if (_seasonal is not null)
        {
            _seasonal[phase] += SeasonGamma * (1 - LevelAlpha) * clipped;
        }

        _residuals.Update(residual, ScaleAlpha, clip: 3);
    }

    // A level shift: start again from the recent (deseasonalised) median with no trend; noise scale carries over.
    private void Reanchor()
    {
        var n = (int)Math.Min(_t, RecentSize);
        Span<double> recent = stackalloc double[n];
        _recent.AsSpan(0, n).CopyTo(recent);
        recent.Sort();
        _level = recent[n / 2];
        _trend = 0;
        _cusum.Reset();
    }

    // With a clear cycle in the warm-up, start again with a seasonal profile and replay the warm-up through it,
    // so the noise scale is learned from seasonal residuals rather than from the cycle itself.
    private void FitSeasonality()
    {
        var values = _warmupValues.ToArray();
        _warmupValues.Clear();
        var period = SeasonalPeriod.Detect(values);
        if (period == 0)
        {
            return;
        }

        var detrended = SeasonalPeriod.Detrend(values);
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
        _seasonal = [.. profile.Select(p => p - mean)];
        (_t, _initialised, _trend, _residuals, _levelSpread) = (0, false, 0, default, default);
        _cusum.Reset();
        for (var i = 0; i < values.Length; i++)
        {
            Step(values[i], seeding: i < SeedPoints);
        }
    }

    // Constant stretches have zero spread, and sparse or quantised series (counts that are mostly 0) make the
    // robust spread far smaller than one quantum. The floor is the larger of a sliver of the level, a sliver of
    // the series' own spread, and half the quantum: a low quantile of the non-zero steps between consecutive
    // values, which is one unit for counts but a small fraction of σ for continuous data.
    private double ScaleFloor() =>
        Math.Max(1e-9, Math.Max(Math.Max(1e-3 * Math.Abs(_level), 0.05 * _levelSpread.Scale), 0.5 * _quantum));

    private void TrackStep(double value)
    {
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
    }
}
