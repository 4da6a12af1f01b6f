namespace Quell.Detection.Statistics;

/// <summary>Finds the dominant cycle length of a series from its autocorrelation.</summary>
public static class SeasonalPeriod
{
    /// <summary>
    /// Returns the lag of the strongest autocorrelation peak after the first trough, if the series (after
    /// removing a linear trend) holds at least two cycles and the peak reaches <paramref name="minCorrelation"/>;
    /// otherwise 0. The first trough skips the short lags where any smooth series correlates with itself.
    /// </summary>
    public static int Detect(ReadOnlySpan<double> values, double minCorrelation = 0.5, int minPeriod = 4)
    {
        var n = values.Length;
        var maxLag = n / 2;
        if (maxLag <= minPeriod)
        {
            return 0;
        }

        var detrended = Detrend(values);
        double variance = 0;
        foreach (var v in detrended)
        {
            variance += v * v;
        }

        if (variance <= 0)
        {
            return 0;
        }

        var acf = new double[maxLag + 1];
        for (var lag = 1; lag <= maxLag; lag++)
        {
            double sum = 0;
            for (var i = lag; i < n; i++)
            {
                sum += detrended[i] * detrended[i - lag];
            }

            acf[lag] = sum / variance;
        }

        var lag0 = 1;
        while (lag0 < maxLag && acf[lag0 + 1] < acf[lag0])
        {
            lag0++;
        }

        var best = 0;
        for (var lag = Math.Max(lag0, minPeriod); lag < maxLag; lag++)
        {
            if (acf[lag] >= acf[lag - 1] && acf[lag] >= acf[lag + 1] && (best == 0 || acf[lag] > acf[best] + 0.05))
            {
                best = lag;
            }
        }

        return best > 0 && acf[best] >= minCorrelation ? best : 0;
    }

    /// <summary>The series minus its least-squares line.</summary>
    public static double[] Detrend(ReadOnlySpan<double> values)
    {
        var n = values.Length;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (var i = 0; i < n; i++)
        {
            sx += i;
            sy += values[i];
            sxx += (double)i * i;
            sxy += i * values[i];
        }

        var denominator = (n * sxx) - (sx * sx);
        var slope = denominator == 0 ? 0 : ((n * sxy) - (sx * sy)) / denominator;
        var intercept = (sy - (slope * sx)) / n;
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = values[i] - (intercept + (slope * i));
        }

        return result;
    }
}
