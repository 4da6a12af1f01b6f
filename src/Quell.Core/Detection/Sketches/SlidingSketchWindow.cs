namespace Quell.Detection.Sketches;

/// <summary>
/// Quantiles over the last N time buckets: a ring of per-bucket sketches plus one running sketch that gains each
/// call and loses a bucket when it expires, so "p99 over the last 5 minutes" needs no merging at query time.
/// </summary>
public sealed class SlidingSketchWindow
{
    private readonly DDSketch[] _buckets;
    private readonly DDSketch _window;
    private long _bucket = long.MinValue;

    public SlidingSketchWindow(int buckets, double relativeAccuracy)
    {
        _buckets = [.. Enumerable.Range(0, buckets).Select(_ => new DDSketch(relativeAccuracy))];
        _window = new DDSketch(relativeAccuracy);
    }

    public DDSketch Window => _window;

    /// <summary>Adds a value at a precomputed bin (see <see cref="DDSketch.IndexOf"/>) to the open bucket.</summary>
    public void AddAtIndex(int index)
    {
        _buckets[Slot(_bucket)].AddAtIndex(index);
        _window.AddAtIndex(index);
    }

    /// <summary>Moves the open bucket to absolute index <paramref name="bucket"/>, expiring the oldest ones.</summary>
    public void AdvanceTo(long bucket)
    {
        if (_bucket == long.MinValue || bucket - _bucket >= _buckets.Length)
        {
            foreach (var b in _buckets)
            {
                b.Clear();
            }

            _window.Clear();
            _bucket = bucket;
            return;
        }

        while (_bucket < bucket)
        {
            _bucket++;
            var expiring = _buckets[Slot(_bucket)];
            _window.Subtract(expiring);
            expiring.Clear();
        }
    }

    private int Slot(long bucket) => (int)(((bucket % _buckets.Length) + _buckets.Length) % _buckets.Length);
}
