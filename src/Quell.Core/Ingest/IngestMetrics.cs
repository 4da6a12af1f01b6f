using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Quell.Ingest;

/// <summary>
/// Quell's own ingest figures in Prometheus text format. Kept per host instance (no global registry) so
/// several servers in one process, as in tests, never share counters.
/// </summary>
public sealed class IngestMetrics
{
    private static readonly double[] WriteBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly ConcurrentDictionary<(string Source, string Reason), long> _rejected = new();
    private readonly ConcurrentDictionary<string, long> _accepted = new();
    private readonly long[] _writeBuckets = new long[WriteBucketsSeconds.Length + 1];
    private long _duplicates;
    private long _skippedSpans;
    private long _unpriced;
    private long _batches;
    private long _writeFailures;
    private long _writtenCalls;
    private long _queueDepth;
    private long _writeCount;
    private double _writeSeconds;
    private readonly Lock _writeLock = new();
    private readonly List<Func<string>> _extra = [];

    public void Accepted(string source, int count) => _accepted.AddOrUpdate(source, count, (_, v) => v + count);

    public void Rejected(string source, string reason, int count = 1) => _rejected.AddOrUpdate((source, reason), count, (_, v) => v + count);

    public void Duplicates(int count) => Interlocked.Add(ref _duplicates, count);

    public void Unpriced(int count) => Interlocked.Add(ref _unpriced, count);

    public void SkippedSpans(int count) => Interlocked.Add(ref _skippedSpans, count);

    public void SetQueueDepth(long depth) => Interlocked.Exchange(ref _queueDepth, depth);

    public void WriteFailed() => Interlocked.Increment(ref _writeFailures);

    public long AcceptedTotal => _accepted.Values.Sum();

    public long RejectedTotal => _rejected.Values.Sum();

    public void BatchWritten(int calls, int inserted, int duplicates, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _writtenCalls, inserted);
        Duplicates(duplicates);
        var seconds = elapsed.TotalSeconds;
        lock (_writeLock)
        {
            _writeCount++;
            _writeSeconds += seconds;
            var i = 0;
            while (i < WriteBucketsSeconds.Length && seconds > WriteBucketsSeconds[i])
            {
                i++;
            }

            _writeBuckets[i]++;
        }
    }

    /// <summary>Lets other components append their own exposition text (alerts, incidents, …).</summary>
    public void AddSection(Func<string> render)
    {
        lock (_extra)
        {
            _extra.Add(render);
        }
    }

    public string Render()
    {
        var sb = new StringBuilder(2048);
        sb.AppendLine("# HELP quell_calls_accepted_total Call records accepted by ingest, by source.");
        sb.AppendLine("# TYPE quell_calls_accepted_total counter");
        foreach (var (source, v) in _accepted.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"quell_calls_accepted_total{{source=\"{source}\"}} {v}\n");
        }

        sb.AppendLine("# HELP quell_calls_rejected_total Call records or requests refused by ingest, by source and reason.");
        sb.AppendLine("# TYPE quell_calls_rejected_total counter");
        foreach (var ((source, reason), v) in _rejected.OrderBy(p => p.Key.Source, StringComparer.Ordinal).ThenBy(p => p.Key.Reason, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"quell_calls_rejected_total{{source=\"{source}\",reason=\"{reason}\"}} {v}\n");
        }

        Counter(sb, "quell_calls_duplicate_total", "Call records ignored because their id was already stored.", Interlocked.Read(ref _duplicates));
        Counter(sb, "quell_calls_unpriced_total", "Calls of models missing from the price table and sent without a cost (flagged, cost unknown).", Interlocked.Read(ref _unpriced));
        Counter(sb, "quell_spans_skipped_total", "OTLP spans skipped because they are not GenAI spans.", Interlocked.Read(ref _skippedSpans));
        Counter(sb, "quell_calls_written_total", "Call records committed to the calls log.", Interlocked.Read(ref _writtenCalls));
        Counter(sb, "quell_ingest_batches_written_total", "Transactions committed by the ingest writer.", Interlocked.Read(ref _batches));
        Counter(sb, "quell_ingest_write_failures_total", "Transactions that failed and were reported to their callers.", Interlocked.Read(ref _writeFailures));
        sb.AppendLine("# HELP quell_ingest_queue_depth Call records waiting to be written.");
        sb.AppendLine("# TYPE quell_ingest_queue_depth gauge");
        sb.Append(CultureInfo.InvariantCulture, $"quell_ingest_queue_depth {Interlocked.Read(ref _queueDepth)}\n");
        sb.AppendLine("# HELP quell_ingest_write_seconds Time to write and commit one ingest transaction.");
        sb.AppendLine("# TYPE quell_ingest_write_seconds histogram");
        lock (_writeLock)
        {
            long cumulative = 0;
            for (var i = 0; i < WriteBucketsSeconds.Length; i++)
            {
                cumulative += _writeBuckets[i];
                sb.Append(CultureInfo.InvariantCulture, $"quell_ingest_write_seconds_bucket{{le=\"{WriteBucketsSeconds[i]}\"}} {cumulative}\n");
            }

            cumulative += _writeBuckets[^1];
            sb.Append(CultureInfo.InvariantCulture, $"quell_ingest_write_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n");
            sb.Append(CultureInfo.InvariantCulture, $"quell_ingest_write_seconds_sum {_writeSeconds}\n");
            sb.Append(CultureInfo.InvariantCulture, $"quell_ingest_write_seconds_count {_writeCount}\n");
        }

        lock (_extra)
        {
            foreach (var render in _extra)
            {
                sb.Append(render());
            }
        }

        return sb.ToString();
    }

    private static void Counter(StringBuilder sb, string name, string help, long value)
    {
        sb.Append("# HELP ").Append(name).Append(' ').AppendLine(help);
        sb.Append("# TYPE ").Append(name).AppendLine(" counter");
        sb.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
