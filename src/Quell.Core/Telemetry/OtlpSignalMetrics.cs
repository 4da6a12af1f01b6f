using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

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

    public string Render()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# HELP quell_otlp_log_records_total OTLP log records received, by what became of them (joined to a call, pending, late, expired, not GenAI content …).");
        sb.AppendLine("# TYPE quell_otlp_log_records_total counter");
        foreach (var (outcome, count) in _logRecords.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append("quell_otlp_log_records_total{outcome=\"").Append(outcome).Append("\"} ").AppendLine(count.ToString(CultureInfo.InvariantCulture));
        }

        sb.AppendLine("# HELP quell_otlp_metric_points_total OTLP metric data points received, by GenAI instrument.");
        sb.AppendLine("# TYPE quell_otlp_metric_points_total counter");
        foreach (var (name, count) in _metricPoints.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append("quell_otlp_metric_points_total{instrument=\"").Append(name).Append("\"} ").AppendLine(count.ToString(CultureInfo.InvariantCulture));
        }

        sb.AppendLine("# HELP quell_otlp_spans_content_timeout_total Spans stored after waiting for log content that did not complete in time.");
        sb.AppendLine("# TYPE quell_otlp_spans_content_timeout_total counter");
        sb.Append("quell_otlp_spans_content_timeout_total ").AppendLine(Interlocked.Read(ref _spansWithoutContent).ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
