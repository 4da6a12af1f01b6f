using Quell.Formatting;
using Quell.Incidents;
using Quell.Mitigations;
using Quell.OnCall;
using Quell.Response;
using Quell.Server;
using Quell.Server.Incidents;
using Quell.Storage;

namespace Quell.WebConsole;

/// <summary>The console's read endpoints: an incident's signal as a chart, and the overview of every feature × model.</summary>
public static class ConsoleQueries
{
    /// <summary>Longest range a chart covers; retention keeps about this much by default.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    public static async Task<IResult> IncidentSeriesAsync(string id, HttpRequest request, IncidentService incidents, IAlertStore alerts, IConsoleFigures figures, ConsoleSeriesCache cache, TimeProvider time, CancellationToken ct)
    {
        if (!TryRange(request, TimeSpan.FromDays(14), out var range, out var problem))
        {
            return problem!;
        }

        var incident = await incidents.GetAsync(id, ct).ConfigureAwait(false);
        if (incident is null)
        {
            return Problems.Create(404, "Not found", $"no incident '{id}'");
        }

        var first = incident.Alerts.Count > 0 ? incident.Alerts[0] : null;
        var alert = first is null ? null : await alerts.GetAsync(first.AlertId, ct).ConfigureAwait(false);
        var signal = alert?.Signal ?? first?.Signal ?? "calls";
        var feature = incident.Feature ?? alert?.Labels.GetValueOrDefault("feature");
        var model = alert?.Labels.GetValueOrDefault("model");

        // The chart ends a little after the fix (or now) and reaches back over the range, so the onset sits in view.
        var now = time.GetUtcNow();
        var end = incident.ResolvedAt is { } r && r.AddHours(6) < now ? r.AddHours(6) : now;
        var step = ConsoleSeries.StepMs(range);
        var toMs = ((end.ToUnixTimeMilliseconds() / step) + 1) * step;
        var fromMs = toMs - ((long)Math.Ceiling(range.TotalMilliseconds / step) * step);
        var onsetMs = (incident.OnsetAt ?? alert?.OnsetEstimate)?.ToUnixTimeMilliseconds();
        var metric = ConsoleSeries.MetricFor(signal);
        ChartSeries series;
        if (ConsoleSeries.IsQuality(metric))
        {
            var points = await Collect(figures.QualityAsync(metric == SeriesMetric.NegativeFeedbackRate, feature, fromMs, toMs, ct), p => Matches(p.Key, model), ct).ConfigureAwait(false);
            series = ConsoleSeries.FromQuality(metric, fromMs, toMs, step, points, onsetMs);
        }
        else
        {
            series = ConsoleSeries.FromBuckets(metric, fromMs, toMs, step, await cache.BucketsAsync(metric, feature, model, fromMs, toMs, step, ct).ConfigureAwait(false), onsetMs);
        }

        var markers = new IncidentMarkers(onsetMs, incident.DetectedAt.ToUnixTimeMilliseconds(), incident.AcknowledgedAt?.ToUnixTimeMilliseconds(), incident.MitigatedAt?.ToUnixTimeMilliseconds(), incident.ResolvedAt?.ToUnixTimeMilliseconds());
        return Results.Json(new IncidentSeriesView(incident.Id, signal, feature, model, series, markers, alert?.Observed, alert?.Baseline), ConsoleJson.Default.IncidentSeriesView);
    }

    public static async Task<IResult> OverviewAsync(HttpRequest request, IConsoleFigures figures, IncidentService incidents, MitigationControlPlane plane, OnCallDirectory onCall, TimeProvider time, CancellationToken ct)
    {
        if (!TryRange(request, TimeSpan.FromHours(24), out var range, out var problem))
        {
            return problem!;
        }

        var now = time.GetUtcNow();
        var step = ConsoleSeries.StepMs(range) * 4; // small charts: about 84 points each
        var toMs = ((now.ToUnixTimeMilliseconds() / step) + 1) * step;
        var fromMs = toMs - ((long)Math.Ceiling(range.TotalMilliseconds / step) * step);
        var n = (int)((toMs - fromMs) / step);
        var byKey = (await figures.OverviewAsync(fromMs, toMs, step, ct).ConfigureAwait(false))
            .GroupBy(c => string.Concat(c.Feature, SqliteConsoleFigures.KeySeparator.ToString(), c.Model), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        var evals = await Group(figures.QualityAsync(false, null, fromMs, toMs, ct), ct).ConfigureAwait(false);
        var feedback = await Group(figures.QualityAsync(true, null, fromMs, toMs, ct), ct).ConfigureAwait(false);
        var open = (await incidents.ListAsync(new IncidentQuery(Limit: 1000), ct).ConfigureAwait(false)).Where(i => i.State != IncidentState.Closed && i.ResolvedAt is null).ToList();
        var mitigations = plane.Open;
        var times = Enumerable.Range(0, n).Select(i => fromMs + (i * step)).ToList();
        var rows = new List<OverviewRow>();
        foreach (var key in byKey.Keys.Union(evals.Keys).Union(feedback.Keys).Order(StringComparer.Ordinal))
        {
            var parts = key.Split(SqliteConsoleFigures.KeySeparator);
            var (feature, model) = (parts[0], parts.Length > 1 ? parts[1] : string.Empty);
            var cells = byKey.GetValueOrDefault(key) ?? [];
            var whole = cells.FirstOrDefault(c => c.Bucket < 0);
            var buckets = cells.Where(c => c.Bucket >= 0).ToDictionary(c => c.Bucket);
            IReadOnlyList<double?> PerBucket(Func<OverviewCell, double?> value) =>
                Enumerable.Range(0, n).Select(i => buckets.TryGetValue(i, out var c) && c.Calls > 0 ? value(c) : null).ToList();
            var quality = evals.GetValueOrDefault(key) ?? [];
            var votes = feedback.GetValueOrDefault(key) ?? [];
            double? Ratio(long part, long all) => all == 0 ? null : part / (double)all;
            var series = new OverviewSeries(
                PerBucket(c => c.LatencyP99Ms),
                PerBucket(c => c.Errors / (double)c.Calls),
                PerBucket(c => c.CostUsd / c.Calls),
                ConsoleSeries.FromQuality(SeriesMetric.EvalPassRate, fromMs, toMs, step, quality, null).Values,
                ConsoleSeries.FromQuality(SeriesMetric.NegativeFeedbackRate, fromMs, toMs, step, votes, null).Values);
            rows.Add(new OverviewRow(
                feature,
                model,
                whole?.Calls ?? 0,
                whole?.CostUsd ?? 0,
                whole?.LatencyP99Ms,
                whole is null ? null : Ratio(whole.Errors, whole.Calls),
                whole is null || whole.Calls == 0 ? null : whole.CostUsd / whole.Calls,
                Ratio(quality.Count(q => q.Good), quality.Count),
                Ratio(votes.Count(q => !q.Good), votes.Count),
                series,
                open.Where(i => i.Feature == feature && (!i.Labels.TryGetValue("model", out var m) || m == model))
                    .Select(i => new OverviewIncident(i.Id, i.Severity.ToString(), i.State.Name(), i.Title, i.DetectedAt)).ToList(),
                mitigations.Where(m => (m.Scope.Feature is null || m.Scope.Feature == feature) && (m.Scope.Model is null || m.Scope.Model == model))
                    .Select(m => new OverviewMitigation(m.Id, m.Kind.ToString().ToLowerInvariant(), m.State.ToString().ToLowerInvariant(), m.Scope.ToString(), m.CreatedAt)).ToList()));
        }

        var rota = onCall.Schedules.Values.Select(s =>
        {
            var current = OnCallResolver.WhoIsOnCall(s, now);
            var next = current is null ? null : OnCallResolver.WhoIsOnCall(s, current.To.AddSeconds(1));
            return new OnCallNowNext(s.Name, Slot(current), Slot(next));
        }).ToList();
        return Results.Json(new OverviewView(DateTimeOffset.FromUnixTimeMilliseconds(fromMs), DateTimeOffset.FromUnixTimeMilliseconds(toMs), step, times, rows, rota), ConsoleJson.Default.OverviewView);
    }

    private static OnCallSlot? Slot(OnCallShift? s) => s is null ? null : new OnCallSlot(s.User, s.From, s.To);

    private static bool Matches(string key, string? model) =>
        model is null || key.AsSpan(key.IndexOf(SqliteConsoleFigures.KeySeparator) + 1).SequenceEqual(model);

    private static bool TryRange(HttpRequest request, TimeSpan fallback, out TimeSpan range, out IResult? problem)
    {
        range = fallback;
        problem = null;
        if (request.Query["range"].ToString() is not { Length: > 0 } text)
        {
            return true;
        }

        if (!DurationText.TryParse(text, out range) || range <= TimeSpan.Zero || range > MaxRange)
        {
            problem = Problems.Create(400, "Bad query", $"range: '{text}' is not a duration from 1m to 31d (e.g. 6h, 1d, 14d)", [new IngestError(0, null, "range", "a duration from 1m to 31d")]);
            return false;
        }

        return true;
    }

    private static async Task<List<T>> Collect<T>(IAsyncEnumerable<T> source, Func<T, bool> keep, CancellationToken ct)
    {
        var list = new List<T>();
        await foreach (var item in source.WithCancellation(ct).ConfigureAwait(false))
        {
            if (keep(item))
            {
                list.Add(item);
            }
        }

        return list;
    }

    private static async Task<Dictionary<string, List<QualityPoint>>> Group(IAsyncEnumerable<QualityPoint> source, CancellationToken ct)
    {
        var map = new Dictionary<string, List<QualityPoint>>(StringComparer.Ordinal);
        await foreach (var p in source.WithCancellation(ct).ConfigureAwait(false))
        {
            if (!map.TryGetValue(p.Key, out var list))
            {
                map[p.Key] = list = [];
            }

            list.Add(p);
        }

        return map;
    }
}
