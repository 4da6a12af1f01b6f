using Quell.Incidents;
using Quell.Response;

namespace Quell.Postmortems;

/// <summary>Incidents over a period: counts per category and severity, response times, recurrences and open action items.</summary>
public sealed record IncidentReport
{
    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    public int Incidents { get; init; }

    public IReadOnlyDictionary<string, int> ByCategory { get; init; } = new Dictionary<string, int>();

    public IReadOnlyDictionary<string, int> BySeverity { get; init; } = new Dictionary<string, int>();

    /// <summary>Median and mean seconds: to_detect, to_acknowledge, to_mitigate, to_resolve.</summary>
    public IReadOnlyDictionary<string, ResponseTime> Times { get; init; } = new Dictionary<string, ResponseTime>();

    /// <summary>One row per category and severity with median response times: the chart-ready table.</summary>
    public IReadOnlyList<ReportRow> Rows { get; init; } = [];

    public int Recurrences { get; init; }

    public IReadOnlyList<OpenActionItem> OpenActionItems { get; init; } = [];

    public static IncidentReport Build(DateTimeOffset from, DateTimeOffset to, IReadOnlyList<Incident> incidents, int recurrences, IReadOnlyList<Postmortem> postmortems)
    {
        var inRange = incidents.Where(i => i.DetectedAt >= from && i.DetectedAt <= to).ToList();
        var ids = inRange.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        return new IncidentReport
        {
            From = from,
            To = to,
            Incidents = inRange.Count,
            ByCategory = inRange.GroupBy(i => i.Category).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            BySeverity = inRange.GroupBy(i => i.Severity.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            Times = new Dictionary<string, ResponseTime>
            {
                ["to_detect"] = ResponseTime.Of(inRange.Select(i => i.Timings.ToDetect)),
                ["to_acknowledge"] = ResponseTime.Of(inRange.Select(i => i.Timings.ToAcknowledge)),
                ["to_mitigate"] = ResponseTime.Of(inRange.Select(i => i.Timings.ToMitigate)),
                ["to_resolve"] = ResponseTime.Of(inRange.Select(i => i.Timings.ToResolve)),
            },
            Rows = inRange.GroupBy(i => (i.Category, Severity: i.Severity.ToString()))
                .OrderBy(g => g.Key.Category, StringComparer.Ordinal).ThenBy(g => g.Key.Severity, StringComparer.Ordinal)
                .Select(g => new ReportRow(
                    g.Key.Category,
                    g.Key.Severity,
                    g.Count(),
                    ResponseTime.Of(g.Select(i => i.Timings.ToDetect)).MedianSeconds,
                    ResponseTime.Of(g.Select(i => i.Timings.ToAcknowledge)).MedianSeconds,
                    ResponseTime.Of(g.Select(i => i.Timings.ToMitigate)).MedianSeconds,
                    ResponseTime.Of(g.Select(i => i.Timings.ToResolve)).MedianSeconds))
                .ToList(),
            Recurrences = recurrences,
            OpenActionItems = postmortems.Where(p => ids.Contains(p.IncidentId) || p.ActionItems.Any(a => a.IsOpen))
                .SelectMany(p => p.ActionItems.Where(a => a.IsOpen).Select(a => new OpenActionItem(p.IncidentId, a.Id, a.Text, a.Owner, a.DueAt, a.DueAt < to)))
                .OrderBy(a => a.DueAt ?? DateTimeOffset.MaxValue).ToList(),
        };
    }
}

/// <summary>Incidents of one category and severity and their median seconds to detect, acknowledge, mitigate and resolve.</summary>
public sealed record ReportRow(string Category, string Severity, int Incidents, double? MttdSeconds, double? MttaSeconds, double? MttmSeconds, double? MttrSeconds);

/// <summary>How long a response step took across incidents, in seconds; null when no incident got there.</summary>
public sealed record ResponseTime(int Count, double? MedianSeconds, double? MeanSeconds)
{
    public static ResponseTime Of(IEnumerable<TimeSpan?> spans)
    {
        var s = spans.Where(x => x is not null).Select(x => x!.Value.TotalSeconds).Order().ToList();
        return s.Count == 0
            ? new ResponseTime(0, null, null)
            : new ResponseTime(s.Count, s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2, s.Average());
    }
}

/// <summary>An action item not yet done, with its incident; <see cref="Overdue"/> when its due date has passed.</summary>
public sealed record OpenActionItem(string IncidentId, string Id, string Text, string? Owner, DateTimeOffset? DueAt, bool Overdue);
