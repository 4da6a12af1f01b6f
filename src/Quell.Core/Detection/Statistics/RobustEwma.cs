namespace Quell.Detection.Statistics;

/// <summary>
/// Exponentially weighted centre and spread that resist outliers: residuals are clipped at
/// <c>clip</c> robust standard deviations before they move the centre (a Huber-style M-estimate) and the spread
/// is an EWMA of clipped absolute deviations, scaled to estimate a standard deviation like MAD does.
/// </summary>
public struct RobustEwma
{
    // Mean absolute deviation × √(π/2) estimates σ for normal data.
    private const double AbsDeviationToSigma = 1.2533;

    /// <summary>Number of observations seen.</summary>
    public long Count { get; private set; }

    /// <summary>Robust centre (a running median-like level).</summary>
    public double Center { get; private set; }

    /// <summary>Robust standard-deviation estimate.</summary>
    public readonly double Scale => _meanAbsDeviation * AbsDeviationToSigma;

    private double _meanAbsDeviation;

    /// <summary>
    /// Folds in <paramref name="x"/> with smoothing <paramref name="alpha"/>; the first observations use 1/n so the
    /// estimate converges as fast as a plain mean while warming up.
    /// </summary>
    public void Update(double x, double alpha, double clip = 3.0, double scaleFloor = 0)
    {
        if (!double.IsFinite(x))
        {
            return;
        }

        Count++;
        if (Count == 1)
        {
            Center = x;
            _meanAbsDeviation = 0;
            return;
        }

        var a = Math.Max(alpha, 1.0 / Count);
        var sigma = Math.Max(Scale, scaleFloor);
        var residual = x - Center;
        var limit = clip * sigma;
        var clipped = sigma > 0 && Count > 5 ? Math.Clamp(residual, -limit, limit) : residual;
        Center += a * clipped;
        var deviation = Math.Abs(clipped);
        _meanAbsDeviation += a * (deviation - _meanAbsDeviation);
    }

    /// <summary>Starts from another estimate (a new seasonal phase taking over the global level), as if it had seen <paramref name="count"/> points.</summary>
    public void Seed(in RobustEwma from, long count)
    {
        Center = from.Center;
        _meanAbsDeviation = from._meanAbsDeviation;
        Count = count;
    }

    /// <summary>Moves the centre by <paramref name="delta"/>, keeping the spread (used to adopt a new level).</summary>
    public void Shift(double delta) => Center += delta;
}
