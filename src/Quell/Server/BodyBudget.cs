namespace Quell.Server;

/// <summary>
/// Admission for request bodies: a cap on how many are in flight and on how many bytes they hold together.
/// Decided before a body is read, so refusing an overload costs almost nothing; growth of a body of unknown length
/// (chunked, compressed) is charged as it is read.
/// </summary>
public sealed class BodyBudget(int maxBodies, long maxBytes)
{
    private readonly Lock _lock = new();
    private int _bodies;
    private long _bytes;

    public int Bodies => Volatile.Read(ref _bodies);

    public long Bytes => Interlocked.Read(ref _bytes);

    public int MaxBodies => maxBodies;

    public long MaxBytes => maxBytes;

    /// <summary>Takes a slot and <paramref name="bytes"/>; false when either cap would be passed.</summary>
    public bool TryEnter(long bytes)
    {
        lock (_lock)
        {
            // One body always fits when nothing else is in flight, so a single large upload is never starved.
            if (_bodies >= maxBodies || (_bodies > 0 && _bytes + bytes > maxBytes))
            {
                return false;
            }

            _bodies++;
            _bytes += bytes;
            return true;
        }
    }

    /// <summary>Charges more bytes to a body already admitted; false when the byte cap would be passed.</summary>
    public bool TryGrow(long bytes)
    {
        lock (_lock)
        {
            if (_bodies > 1 && _bytes + bytes > maxBytes)
            {
                return false;
            }

            _bytes += bytes;
            return true;
        }
    }

    public void Leave(long bytes)
    {
        lock (_lock)
        {
            _bodies--;
            _bytes -= bytes;
        }
    }
}
