using System.Collections.Concurrent;

namespace Quell.Telemetry;

/// <summary>Counts of what OTLP logs and metrics brought: log records by outcome, metric data points by instrument.</summary>
public sealed class OtlpSignalMetrics
{
    private const int MaxInstruments = 64;

    private readonly ConcurrentDictionary<string, long> _logRecords = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _metricPoints = new(StringComparer.Ordinal);
    private long _spansWithoutContent;

    public void LogRecords(string outcome, int count)
    {
        if (count > 0)
        {
            _logRecords.AddOrUpdate(outcome, count, (_, v) => v + count);
        }
    }

    /// <summary>Counts data points; GenAI instruments (<c>gen_ai.*</c>) by name, everything else as "other".</summary>
    public void MetricPoints(IReadOnlyDictionary<string, long> byName)
    {
        foreach (var (name, count) in byName)
        {
            var key = name.StartsWith("gen_ai.", StringComparison.Ordinal) && name.Length <= 100 && (_metricPoints.Count < MaxInstruments || _metricPoints.ContainsKey(name))
                ? name
                : "other";
            _metricPoints.AddOrUpdate(key, count, (_, v) => v + count);
        }
    }

    public void SpansReleasedWithoutCompleteContent() => Interlocked.Increment(ref _spansWithoutContent);

    public long LogRecordCount(string outcome) => _logRecords.GetValueOrDefault(outcome);

    public long MetricPointCount(string instrument) => _metricPoints.GetValueOrDefault(instrument);

    /// <summary>Publishes the counts as observable counters on a meter (exported on /metrics with a _total suffix).</summary>
    public void Publish(System.Diagnostics.Metrics.Meter meter)
    {
        meter.CreateObservableCounter(
            "quell_otlp_log_records",
            () => _logRecords.Select(p => new System.Diagnostics.Metrics.Measurement<long>(p.Value, new KeyValuePair<string, object?>("outcome", p.Key))),
            description: "OTLP log records received, by what became of them (joined to a call, pending, late, expired, not GenAI content …).");
        meter.CreateObservableCounter(
            "quell_otlp_metric_points",
            () => _metricPoints.Select(p => new System.Diagnostics.Metrics.Measurement<long>(p.Value, new KeyValuePair<string, object?>("instrument", p.Key))),
            description: "OTLP metric data points received, by GenAI instrument.");
        meter.CreateObservableCounter(
            "quell_otlp_spans_content_timeout",
            () => Interlocked.Read(ref _spansWithoutContent),
            description: "Spans stored after waiting for log content that did not complete in time.");
    }
}
