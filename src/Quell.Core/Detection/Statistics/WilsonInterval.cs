namespace Quell.Detection.Statistics;

/// <summary>Wilson score interval for a binomial proportion: honest at small n, unlike the normal approximation.</summary>
public static class WilsonInterval
{
    public static double Lower(double successes, double n, double z = 1.645) => Bound(successes, n, z, -1);

    public static double Upper(double successes, double n, double z = 1.645) => Bound(successes, n, z, +1);

    private static double Bound(double successes, double n, double z, int sign)
    {
        if (n <= 0)
        {
            return sign < 0 ? 0 : 1;
        }

        var p = Math.Clamp(successes / n, 0, 1);
        var z2 = z * z;
        var centre = p + (z2 / (2 * n));
        var margin = z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return Math.Clamp((centre + (sign * margin)) / (1 + (z2 / n)), 0, 1);
    }
}
