namespace Quell.Detection.Statistics;

/// <summary>Tail probabilities of the standard normal, in logs so that tiny tails stay finite.</summary>
public static class NormalTail
{
    /// <summary>−ln P(|Z| ≥ z) for a standard normal Z; 0 at z = 0, about z²/2 for large z.</summary>
    public static double TwoSidedLogTail(double z)
    {
        z = Math.Abs(z);
        if (!double.IsFinite(z))
        {
            return double.MaxValue;
        }

        // P(|Z| ≥ z) = erfc(z/√2). Abramowitz & Stegun 7.1.26 written in logs: erfc(x) = t·poly(t)·e^(−x²).
        var x = z / Math.Sqrt(2);
        var t = 1 / (1 + (0.3275911 * x));
        var poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 + (t * 1.061405429))))))));
        return Math.Max(0, (x * x) - Math.Log(poly));
    }

    /// <summary>The z with P(|Z| ≥ z) = <paramref name="p"/> (bisection on <see cref="TwoSidedLogTail"/>).</summary>
    public static double TwoSidedQuantile(double p)
    {
        var target = -Math.Log(Math.Clamp(p, 1e-300, 1));
        double lo = 0, hi = 40;
        for (var i = 0; i < 100; i++)
        {
            var mid = (lo + hi) / 2;
            if (TwoSidedLogTail(mid) < target)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo + hi) / 2;
    }
}
