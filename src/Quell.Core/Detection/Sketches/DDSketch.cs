namespace Quell.Detection.Sketches;

/// <summary>
/// A mergeable quantile sketch with relative-accuracy guarantees (DDSketch, Masson et al., VLDB 2019):
/// every quantile it returns is within <see cref="RelativeAccuracy"/> of the true sample quantile.
/// </summary>
/// <remarks>
/// Written here rather than using HdrHistogram because Quell's windows must subtract an expiring bucket from a
/// running window sketch (exact integer bins make that possible), values are doubles (milliseconds, dollars,
/// token counts) rather than integers, and the bins grow lazily so an idle series costs a few bytes.
/// Values below <see cref="MinIndexableValue"/> count as zero; values above <see cref="MaxIndexableValue"/>
/// are clamped, which bounds memory to a few thousand bins at 1 % accuracy.
/// </remarks>
public sealed class DDSketch
{
    public const double MinIndexableValue = 1e-3;
    public const double MaxIndexableValue = 1e9;

    private readonly double _gamma;
    private readonly double _inverseLogGamma;
    private readonly int _minIndex;
    private readonly int _maxIndex;
    private int[] _bins = [];
    private int _offset;
    private long _zeroCount;

    /// <summary>Creates an empty sketch; <paramref name="relativeAccuracy"/> is α in (0, 1).</summary>
    public DDSketch(double relativeAccuracy = 0.01)
    {
        if (relativeAccuracy is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(relativeAccuracy), "relative accuracy must be in (0, 1)");
        }

        RelativeAccuracy = relativeAccuracy;
        _gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
        _inverseLogGamma = 1.0 / Math.Log(_gamma);
        _minIndex = RawIndex(MinIndexableValue);
        _maxIndex = RawIndex(MaxIndexableValue);
    }

    public double RelativeAccuracy { get; }

    public long Count { get; private set; }

    /// <summary>Bin index of a value; <see cref="int.MinValue"/> stands for the zero bin.</summary>
    public int IndexOf(double value)
    {
        if (!(value >= MinIndexableValue))
        {
            return int.MinValue;
        }

        return Math.Min(RawIndex(value), _maxIndex);
    }

    public void Add(double value) => AddAtIndex(IndexOf(value), 1);

    /// <summary>Adds <paramref name="count"/> observations at a bin found by <see cref="IndexOf"/>.</summary>
    public void AddAtIndex(int index, int count = 1)
    {
        Count += count;
        if (index == int.MinValue)
        {
            _zeroCount += count;
            return;
        }

        EnsureCovers(index);
        _bins[index - _offset] += count;
    }

    /// <summary>Adds every observation of <paramref name="other"/>; both must share the same accuracy.</summary>
    public void Merge(DDSketch other) => Combine(other, 1);

    /// <summary>Removes observations previously merged from <paramref name="other"/> (window expiry).</summary>
    public void Subtract(DDSketch other) => Combine(other, -1);

    public void Clear()
    {
        Array.Clear(_bins);
        _zeroCount = 0;
        Count = 0;
    }

    /// <summary>The value at quantile <paramref name="q"/> in [0, 1]; NaN when the sketch is empty.</summary>
    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = Math.Clamp(q, 0, 1) * (Count - 1);
        double cumulative = _zeroCount;
        if (cumulative > rank)
        {
            return 0;
        }

        for (var i = 0; i < _bins.Length; i++)
        {
            cumulative += _bins[i];
            if (cumulative > rank)
            {
                return ValueOf(i + _offset);
            }
        }

        return ValueOf(_bins.Length - 1 + _offset);
    }

    /// <summary>Fraction of observations strictly above <paramref name="value"/>, to bin resolution.</summary>
    public double FractionAbove(double value)
    {
        if (Count == 0)
        {
            return 0;
        }

        var index = IndexOf(value);
        long above = 0;
        for (var i = _bins.Length - 1; i >= 0 && i + _offset > index; i--)
        {
            above += _bins[i];
        }

        return (double)above / Count;
    }

    private void Combine(DDSketch other, int sign)
    {
        if (other.Count == 0)
        {
            return;
        }

        if (Math.Abs(other._gamma - _gamma) > 1e-12)
        {
            throw new ArgumentException("sketches with different accuracy cannot be combined", nameof(other));
        }

        Count += sign * other.Count;
        _zeroCount += sign * other._zeroCount;
        for (var i = 0; i < other._bins.Length; i++)
        {
            var c = other._bins[i];
            if (c != 0)
            {
                var index = i + other._offset;
                EnsureCovers(index);
                _bins[index - _offset] += sign * c;
            }
        }
    }

    private int RawIndex(double value) => (int)Math.Ceiling(Math.Log(value) * _inverseLogGamma);

    // The representative 2γ^i/(γ+1) is within α of every value in bin i = (γ^(i-1), γ^i].
    private double ValueOf(int index) => 2 * Math.Pow(_gamma, index) / (_gamma + 1);

    private void EnsureCovers(int index)
    {
        if (_bins.Length > 0 && index >= _offset && index < _offset + _bins.Length)
        {
            return;
        }

        Grow(index);
    }

    private void Grow(int index)
    {
        const int slack = 32;
        if (_bins.Length == 0)
        {
            var lo0 = Math.Max(_minIndex, index - slack);
            var hi0 = Math.Min(_maxIndex, index + slack);
            _bins = new int[hi0 - lo0 + 1];
            _offset = lo0;
            return;
        }

        var lo = Math.Max(_minIndex, Math.Min(_offset, index - slack));
        var hi = Math.Min(_maxIndex, Math.Max(_offset + _bins.Length - 1, index + slack));
        var grown = new int[hi - lo + 1];
        Array.Copy(_bins, 0, grown, _offset - lo, _bins.Length);
        _bins = grown;
        _offset = lo;
    }
}
