namespace Quell.Detection.Statistics;

/// <summary>
/// Page–Hinkley test for an upward change in the mean of a stream, against its own running mean. Kept as the
/// comparison point for <see cref="Cusum"/> (see docs/detection.md) and for inputs with no baseline.
/// </summary>
public struct PageHinkley
{
    private readonly double _delta;
    private readonly double _lambda;
    private long _n;
    private double _mean;
    private double _cumulative;
    private double _minimum;

    public PageHinkley(double delta, double lambda)
    {
        _delta = delta;
        _lambda = lambda;
    }

    /// <summary>Adds <paramref name="x"/>; true when an upward change is signalled.</summary>
    public bool Update(double x)
    {
        _n++;
        _mean += (x - _mean) / _n;
        _cumulative += x - _mean - _delta;
        _minimum = Math.Min(_minimum, _cumulative);
        return _cumulative - _minimum > _lambda;
    }

    public void Reset()
    {
        _n = 0;
        _mean = 0;
        _cumulative = 0;
        _minimum = 0;
    }
}
