namespace Quell.Detection.Statistics;

/// <summary>
/// Time-bucketed sums in a ring (e.g. one-minute buckets over six hours) with running totals for a few fixed
/// trailing windows, so "errors in the last hour" costs one read instead of sixty.
/// </summary>
public sealed class WindowedSums
{
    private readonly int _fields;
    private readonly int _capacity;
    private readonly int[] _windows;
    private readonly double[] _ring;
    private readonly double[] _current;
    private readonly double[] _running;
    private long _bucket = long.MinValue;

    /// <param name="fields">Number of quantities summed per bucket.</param>
    /// <param name="windowBuckets">Trailing window lengths, in completed buckets.</param>
    public WindowedSums(int fields, IReadOnlyList<int> windowBuckets)
    {
        _fields = fields;
        _windows = [.. windowBuckets];
        _capacity = _windows.Max() + 1;
        _ring = new double[_capacity * fields];
        _current = new double[fields];
        _running = new double[_windows.Length * fields];
    }

    /// <summary>Absolute index of the bucket being filled.</summary>
    public long CurrentBucket => _bucket;

    public void Add(int field, double value) => _current[field] += value;

    /// <summary>Sum of <paramref name="field"/> over window number <paramref name="window"/> plus the open bucket.</summary>
    public double Sum(int window, int field) => _running[(window * _fields) + field] + _current[field];

    /// <summary>Value of <paramref name="field"/> in the open bucket.</summary>
    public double Current(int field) => _current[field];

    /// <summary>Closes buckets up to <paramref name="bucket"/> (absolute index, e.g. unix minutes).</summary>
    public void AdvanceTo(long bucket)
    {
        if (_bucket == long.MinValue)
        {
            _bucket = bucket;
            return;
        }

        if (bucket <= _bucket)
        {
            return;
        }

        if (bucket - _bucket > _capacity)
        {
            Array.Clear(_ring);
            Array.Clear(_current);
            Array.Clear(_running);
            _bucket = bucket;
            return;
        }

        while (_bucket < bucket)
        {
            CloseBucket();
        }
    }

    private void CloseBucket()
    {
        var closing = _bucket;
        for (var w = 0; w < _windows.Length; w++)
        {
            var expiring = closing - _windows[w];
            var expiringSlot = (int)(((expiring % _capacity) + _capacity) % _capacity) * _fields;
            var runningOffset = w * _fields;
            for (var f = 0; f < _fields; f++)
            {
                _running[runningOffset + f] += _current[f] - _ring[expiringSlot + f];
            }
        }

        var slot = (int)(((closing % _capacity) + _capacity) % _capacity) * _fields;
        Array.Copy(_current, 0, _ring, slot, _fields);
        Array.Clear(_current);
        _bucket = closing + 1;
    }
}
