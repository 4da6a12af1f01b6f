namespace Quell.WebConsole;

/// <summary>
/// Keeps the values of closed chart buckets (ended more than <see cref="Settle"/> ago), so a chart reads from the
/// store only the buckets it has not seen: opening an incident again, or the next incident on the same feature,
/// costs a few buckets instead of fourteen days of calls. Calls that arrive later than the settle time for an
/// already-cached bucket are not reflected until the entry is evicted; ingest lag is normally seconds.
/// </summary>
public sealed class ConsoleSeriesCache(IConsoleFigures figures, TimeProvider time)
{
    /// <summary>How long after a bucket ends its value is taken as final.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMinutes(5);

    /// <summary>Series kept; each holds at most a month of buckets. Least recently used go first.</summary>
    public const int Capacity = 256;

    private readonly Dictionary<(SeriesMetric, string?, string?, long), Entry> _entries = [];
    private readonly Lock _lock = new();
    private long _uses;

    /// <summary>Bucket index (relative to <paramref name="fromMs"/>) → value, as <see cref="IConsoleFigures.BucketsAsync"/>.</summary>
    public async Task<IReadOnlyDictionary<long, double>> BucketsAsync(SeriesMetric metric, string? feature, string? model, long fromMs, long toMs, long stepMs, CancellationToken ct)
    {
        var key = (metric, feature, model, stepMs);
        var first = fromMs / stepMs;
        var end = toMs / stepMs;
        var closed = (time.GetUtcNow() - Settle).ToUnixTimeMilliseconds() / stepMs;
        Entry? entry;
        lock (_lock)
        {
            entry = _entries.GetValueOrDefault(key);
            entry?.Touch(++_uses);
        }

        // Read from the store only what the cache does not cover: everything when it knows nothing before `first`.
        var readFrom = entry is not null && entry.KnownFrom <= first && entry.KnownTo > first ? Math.Min(entry.KnownTo, end) : first;
        var fresh = readFrom < end
            ? await figures.BucketsAsync(metric, feature, model, readFrom * stepMs, toMs, stepMs, ct).ConfigureAwait(false)
            : new Dictionary<long, double>();
        var result = new Dictionary<long, double>();
        lock (_lock)
        {
            if (entry is null || readFrom == first)
            {
                entry = new Entry { KnownFrom = first, KnownTo = first };
                _entries[key] = entry;
                entry.Touch(++_uses);
                if (_entries.Count > Capacity)
                {
                    _entries.Remove(_entries.MinBy(e => e.Value.LastUse).Key);
                }
            }

            for (var b = first; b < readFrom; b++)
            {
                if (entry.Values.TryGetValue(b, out var v))
                {
                    result[b - first] = v;
                }
            }

            foreach (var (relative, v) in fresh)
            {
                var b = readFrom + relative;
                result[b - first] = v;
                if (b < closed)
                {
                    entry.Values[b] = v;
                }
            }

            entry.KnownTo = Math.Max(entry.KnownTo, Math.Min(end, closed));
        }

        return result;
    }

    private sealed class Entry
    {
        public Dictionary<long, double> Values { get; } = [];

        public long KnownFrom { get; init; }

        public long KnownTo { get; set; }

        public long LastUse { get; private set; }

        public void Touch(long use) => LastUse = use;
    }
}
