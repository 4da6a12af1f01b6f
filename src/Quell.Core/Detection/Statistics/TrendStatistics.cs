namespace Quell.Detection.Statistics;

/// <summary>Non-parametric trend estimates over short series such as daily aggregates.</summary>
public static class TrendStatistics
{
    /// <summary>Theil–Sen slope: the median of pairwise slopes, robust to a few outlying points.</summary>
    public static double TheilSenSlope(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var slopes = new List<double>(x.Length * (x.Length - 1) / 2);
        for (var i = 0; i < x.Length; i++)
        {
            for (var j = i + 1; j < x.Length; j++)
            {
                if (x[j] != x[i])
                {
                    slopes.Add((y[j] - y[i]) / (x[j] - x[i]));
                }
            }
        }

        if (slopes.Count == 0)
        {
            return 0;
        }

        slopes.Sort();
        var mid = slopes.Count / 2;
        return slopes.Count % 2 == 1 ? slopes[mid] : 0.5 * (slopes[mid - 1] + slopes[mid]);
    }

    /// <summary>Mann–Kendall statistic S and its normal-approximation z score (no tie correction).</summary>
    public static (double S, double Z) MannKendall(ReadOnlySpan<double> y)
    {
        double s = 0;
        for (var i = 0; i < y.Length; i++)
        {
            for (var j = i + 1; j < y.Length; j++)
            {
                s += Math.Sign(y[j] - y[i]);
            }
        }

        var n = y.Length;
        var variance = n * (n - 1) * ((2 * n) + 5) / 18.0;
        if (variance <= 0)
        {
            return (s, 0);
        }

        var z = s > 0 ? (s - 1) / Math.Sqrt(variance) : s < 0 ? (s + 1) / Math.Sqrt(variance) : 0;
        return (s, z);
    }
}
