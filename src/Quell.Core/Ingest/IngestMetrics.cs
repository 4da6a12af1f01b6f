using System.Diagnostics.Metrics;

namespace Quell.Ingest;

/// <summary>
/// Quell's own ingest figures as System.Diagnostics.Metrics instruments on the host's "Quell" meter (exported at
/// /metrics under the names Quell always used), plus where ingest and detection have got to for the detection lag.
/// Made through the host's <see cref="IMeterFactory"/>, so several servers in one process (as in tests) never share counters.
/// </summary>
public sealed class IngestMetrics
{
    /// <summary>The meter every Quell instrument lives on.</summary>
    public const string MeterName = "Quell";

    // Upper bounds of one ingest transaction's write time, 1 ms to 5 s: a group commit of a few thousand calls
    // takes a few milliseconds on a laptop SSD, and anything near a second means the disk is in trouble.
    private static readonly double[] WriteBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _unpriced;
    private readonly Counter<long> _skippedSpans;
    private readonly Counter<long> _written;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _writeFailures;
    private readonly Histogram<double> _writeSeconds;
    private long _queueDepth;
    private long _storedSequence;
    private long _storedNewestMs;
    private long _seenSequence;
    private long _seenNewestMs;

    /// <summary>Instruments on a meter from <paramref name="meters"/>; without one (unit tests) on a private meter nobody exports.</summary>
    public IngestMetrics(IMeterFactory? meters = null)
    {
        Meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _accepted = Meter.CreateCounter<long>("quell_calls_accepted", "{call}", "Call records accepted by ingest, by source.");
        _rejected = Meter.CreateCounter<long>("quell_calls_rejected", "{call}", "Call records or requests refused by ingest, by source and reason.");
        _duplicates = Zero(Meter.CreateCounter<long>("quell_calls_duplicate", "{call}", "Call records ignored because their id was already stored."));
        _unpriced = Zero(Meter.CreateCounter<long>("quell_calls_unpriced", "{call}", "Calls of models missing from the price table and sent without a cost (flagged, cost unknown)."));
        _skippedSpans = Zero(Meter.CreateCounter<long>("quell_spans_skipped", "{span}", "OTLP spans skipped because they are not GenAI spans."));
        _written = Zero(Meter.CreateCounter<long>("quell_calls_written", "{call}", "Call records committed to the calls log."));
        _batches = Zero(Meter.CreateCounter<long>("quell_ingest_batches_written", "{transaction}", "Transactions committed by the ingest writer."));
        _writeFailures = Zero(Meter.CreateCounter<long>("quell_ingest_write_failures", "{transaction}", "Transactions that failed and were reported to their callers."));
        _writeSeconds = Meter.CreateHistogram("quell_ingest_write_seconds", "s", "Time to write and commit one ingest transaction.", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = WriteBucketsSeconds });
        Meter.CreateObservableGauge("quell_ingest_queue_depth", () => Interlocked.Read(ref _queueDepth), "{call}", "Call records waiting to be written.");
        Meter.CreateObservableGauge("quell_calls_stored_sequence", () => Interlocked.Read(ref _storedSequence), "{call}", "Sequence of the newest call record committed to the calls log.");
        Meter.CreateObservableGauge("quell_detection_seen_sequence", () => Interlocked.Read(ref _seenSequence), "{call}", "Sequence of the newest call record the detectors have observed.");
        Meter.CreateObservableGauge("quell_detection_lag_calls", () => Math.Max(0, Interlocked.Read(ref _storedSequence) - Interlocked.Read(ref _seenSequence)), "{call}", "Call records committed but not yet observed by the detectors.");
        Meter.CreateObservableGauge("quell_detection_lag_seconds", () => DetectionLagSeconds, "s", "Timestamp of the newest call stored minus that of the newest call the detectors have seen; 0 when they are caught up.");
    }

    public Meter Meter { get; }

    /// <summary>Newest stored call's timestamp minus the newest seen one, in seconds (never negative).</summary>
    public double DetectionLagSeconds
    {
        get
        {
            var stored = Interlocked.Read(ref _storedNewestMs);
            var seen = Interlocked.Read(ref _seenNewestMs);
            return Interlocked.Read(ref _seenSequence) >= Interlocked.Read(ref _storedSequence) || stored <= seen ? 0 : (stored - seen) / 1000.0;
        }
    }

    public void Accepted(string source, int count) => _accepted.Add(count, new KeyValuePair<string, object?>("source", source));

    public void Rejected(string source, string reason, int count = 1) =>
        _rejected.Add(count, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("reason", reason));

    public void Duplicates(int count) => _duplicates.Add(count);

    public void Unpriced(int count) => _unpriced.Add(count);

    public void SkippedSpans(int count) => _skippedSpans.Add(count);

    public void SetQueueDepth(long depth) => Interlocked.Exchange(ref _queueDepth, depth);

    public void WriteFailed() => _writeFailures.Add(1);

    public void BatchWritten(int calls, int inserted, int duplicates, TimeSpan elapsed)
    {
        _ = calls;
        _batches.Add(1);
        _written.Add(inserted);
        Duplicates(duplicates);
        _writeSeconds.Record(elapsed.TotalSeconds);
    }

    /// <summary>The calls log now holds calls up to <paramref name="sequence"/>, the newest dated <paramref name="newest"/>.</summary>
    public void Stored(long sequence, DateTimeOffset newest)
    {
        Raise(ref _storedSequence, sequence);
        Raise(ref _storedNewestMs, newest.ToUnixTimeMilliseconds());
    }

    /// <summary>The detectors have observed calls up to <paramref name="sequence"/>, the newest dated <paramref name="newest"/>.</summary>
    public void Seen(long sequence, DateTimeOffset newest)
    {
        Raise(ref _seenSequence, sequence);
        Raise(ref _seenNewestMs, newest.ToUnixTimeMilliseconds());
    }

    // Untagged counters start at 0 on /metrics (as before), so an alert on their rate has a series from the start.
    private static Counter<long> Zero(Counter<long> counter)
    {
        counter.Add(0);
        return counter;
    }

    private static void Raise(ref long field, long value)
    {
        var current = Interlocked.Read(ref field);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref field, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
