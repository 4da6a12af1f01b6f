namespace Quell.Detection.Statistics;

/// <summary>Which way a change detector saw the mean move.</summary>
public enum ChangeDirection
{
    None,
    Up,
    Down,
}

/// <summary>
/// Two-sided tabular CUSUM on standardised residuals (Page 1954): accumulates evidence beyond a slack of
/// <c>k</c> standard deviations and signals when it exceeds <c>h</c>. The time the sum last left zero is the
/// classic estimate of when the change began.
/// </summary>
public struct Cusum
{
    private readonly double _k;
    private readonly double _h;

    public Cusum(double k, double h)
    {
        _k = k;
        _h = h;
    }

    public double Upper { get; private set; }
    public double Lower { get; private set; }
    public DateTimeOffset UpperOnset { get; private set; }
    public DateTimeOffset LowerOnset { get; private set; }

    public readonly double Threshold => _h;

    /// <summary>Adds residual <paramref name="z"/> observed at <paramref name="at"/>; returns the side that crossed <c>h</c>.</summary>
    public ChangeDirection Update(double z, DateTimeOffset at)
    {
        if (!double.IsFinite(z))
        {
            return ChangeDirection.None;
        }

        if (Upper <= 0)
        {
            UpperOnset = at;
        }

        if (Lower <= 0)
        {
            LowerOnset = at;
        }

        Upper = Math.Max(0, Upper + z - _k);
        Lower = Math.Max(0, Lower - z - _k);
        if (Upper > _h)
        {
            return ChangeDirection.Up;
        }

        return Lower > _h ? ChangeDirection.Down : ChangeDirection.None;
    }

    public void Reset()
    {
        Upper = 0;
        Lower = 0;
    }
}
