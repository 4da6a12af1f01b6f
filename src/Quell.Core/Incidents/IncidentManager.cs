using System.Security.Cryptography;
using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;

namespace Quell.Incidents;

/// <summary>
/// Turns alerts into incidents and decides who hears about them: grouping, deduplication, inhibition, silences,
/// severity, group waits and escalation. Pure: it reads the clock from <see cref="TimeProvider"/> and returns changes to store.
/// </summary>
public sealed partial class IncidentManager
{
    private readonly IncidentPolicy _policy;
    private readonly OnCallDirectory _onCall;
    private readonly TimeProvider _time;
    private readonly Func<DateTimeOffset, string> _newId;

    public IncidentManager(IncidentPolicy policy, OnCallDirectory onCall, TimeProvider time, Func<DateTimeOffset, string>? newId = null)
    {
        _policy = policy;
        _onCall = onCall;
        _time = time;
        _newId = newId ?? NewIncidentId;
    }

    /// <summary>
    /// A fresh incident id: "inc-" and a lowercase ULID, 48 bits of milliseconds from <paramref name="now"/> (ids sort by
    /// detection) and 80 bits from the OS random generator, so even a million incidents in one millisecond collide with
    /// odds below 10^-12.
    /// </summary>
    public static string NewIncidentId(DateTimeOffset now)
    {
        Span<byte> randomness = stackalloc byte[10];
        RandomNumberGenerator.Fill(randomness);
        return "inc-" + Ulid.NewUlid(now, randomness).ToString().ToLowerInvariant();
    }

    public IncidentPolicy Policy => _policy;

    public OnCallDirectory OnCall => _onCall;

    /// <summary>Applies one alert to the open incidents: dedupes, joins, inhibits or opens; null when it changes nothing.</summary>
    public IncidentChange? Ingest(IncidentSignal signal, IReadOnlyList<Incident> open, IReadOnlyList<Silence> silences) =>
        Ingest(signal, OpenIncidentIndex.Of(open), silences);

    /// <summary>
    /// Applies one alert to the open incidents held in <paramref name="open"/>: every lookup goes through its keys, so
    /// the cost does not grow with the number of incidents open. The caller keeps the index up to date with the change.
    /// </summary>
    public IncidentChange? Ingest(IncidentSignal signal, OpenIncidentIndex open, IReadOnlyList<Silence> silences)
    {
        var now = _time.GetUtcNow();
        var labels = LabelsOf(signal);
        var same = open.WithFingerprint(signal.Fingerprint).Where(i => i.State != IncidentState.Closed)
            .OrderByDescending(i => i.DetectedAt).FirstOrDefault();
        if (signal.State == SignalState.Resolved)
        {
            return same is null ? null : ResolveAlert(same, signal, now);
        }

        if (same is not null && (same.State.IsActive() || (same.State == IncidentState.Monitoring && same.ResolvedAt >= now - _policy.GroupWindow)))
        {
            return Join(same, signal, labels, now, silences, repeat: true);
        }

        if (InhibitingOutage(signal, open) is { } outage)
        {
            return Inhibit(outage, signal, now);
        }

        var key = GroupKey(signal);
        var related = open.InGroup(key).Where(i => i.State.IsActive() && now - i.LastSignalAt <= JoinWindow(i))
            .OrderByDescending(i => i.LastSignalAt).FirstOrDefault();
        return related is not null
            ? Join(related, signal, labels, now, silences, repeat: false)
            : OpenOrRecur(signal, labels, now, silences, open.Resolved);
    }

    /// <summary>Sends what has become due: first notifications after the group wait and escalation steps nobody acknowledged.</summary>
    public IReadOnlyList<IncidentChange> Tick(IReadOnlyList<Incident> open, IReadOnlyList<Silence> silences)
    {
        var now = _time.GetUtcNow();
        var changes = new List<IncidentChange>();
        foreach (var incident in open)
        {
            if (incident.State != IncidentState.Detected)
            {
                continue;
            }

            var draft = new Draft(incident);
            NotifyIfDue(draft, now, silences);
            AdvanceEscalation(draft, now);
            if (draft.Changed)
            {
                changes.Add(draft.ToChange(created: false));
            }
        }

        return changes;
    }

    /// <summary>The earliest instant at which <see cref="Tick"/> has something to do, or null.</summary>
    public static DateTimeOffset? NextDue(IEnumerable<Incident> open) =>
        open.Where(i => i.State == IncidentState.Detected)
            .SelectMany(i => new[] { i.NotifyAt, i.Escalation?.NextAt })
            .Where(t => t is not null)
            .Min();

    /// <summary>The labels silences match against: the alert's labels plus category, signal and source.</summary>
    public static IReadOnlyDictionary<string, string> LabelsOf(IncidentSignal signal)
    {
        var labels = new Dictionary<string, string>(signal.Labels, StringComparer.Ordinal);
        labels.TryAdd("category", signal.Category);
        labels.TryAdd("source", signal.Source);
        if (signal.Signal.Length > 0)
        {
            labels.TryAdd("signal", signal.Signal);
        }

        return labels;
    }

    // A brand-new incident only gathers what arrives within the group window; one that is still firing or that a
    // responder has taken on keeps absorbing related alerts (a runaway loop raises one per trace) instead of paging again.
    // Quality signals move slowly (an eval drift over days, feedback a day behind the evals): an open quality incident
    // of a feature gathers the feature's quality alerts for the drift horizon, so one change makes one incident.
    private TimeSpan JoinWindow(Incident incident) =>
        incident.Category == SignalCategories.Quality && incident.State.IsActive() ? TimeSpan.FromDays(14)
        : incident.State != IncidentState.Detected || incident.Alerts.Any(a => a.State == SignalState.Firing)
            ? _policy.ActiveGroupWindow
            : _policy.GroupWindow;

    /// <summary>Related alerts share this key: the same provider outage, or the same category on the same feature.</summary>
    public static string GroupKey(IncidentSignal s) =>
        s.VendorOutage && s.Provider is { } p ? $"outage:{p}" : $"{s.Category}:{s.Feature ?? s.Label("alertname") ?? s.Fingerprint}";

    private IncidentChange Open(IncidentSignal signal, IReadOnlyDictionary<string, string> labels, DateTimeOffset now, IReadOnlyList<Silence> silences)
    {
        var blast = new BlastRadius().Merge(signal);
        var assessment = _policy.Severity.Evaluate(_policy.Audience(signal.Feature), signal.Category, blast, labels);
        var silence = Silence.FirstMatch(silences.Concat(_policy.MaintenanceWindows), labels, now);
        var incident = new Incident
        {
            Id = _newId(now),
            Title = TitleOf(signal),
            Category = signal.Category,
            GroupKey = GroupKey(signal),
            Feature = signal.Feature,
            Provider = signal.Provider,
            VendorOutage = signal.VendorOutage,
            Summary = signal.Summary,
            Attribution = signal.Attribution,
            Source = signal.Source,
            Severity = assessment.Severity,
            SeverityReason = assessment.Reason,
            Labels = labels,
            Alerts = [AlertOf(signal, now)],
            Blast = blast,
            ExampleCallIds = signal.ExampleCallIds.Take(20).ToList(),
            Links = LinksOf(signal),
            SuppressedBy = silence?.Describe(),
            // An onset cannot lie after the detection (a detector's estimate may, when its clock runs ahead of ours).
            OnsetAt = Min(signal.OnsetEstimate ?? signal.FiredAt, now),
            DetectedAt = now,
            LastSignalAt = now,
            UpdatedAt = now,
            NotifyAt = now + _policy.GroupWait,
        };
        var draft = new Draft(incident);
        draft.Add(now, TimelineKinds.Detected, TimelineKinds.System, $"opened from {signal.Source} alert {NameOf(signal)}: {TitleOf(signal)}; severity {assessment.Severity} ({assessment.Reason})");
        if (silence is not null)
        {
            draft.Add(now, TimelineKinds.Suppressed, TimelineKinds.System, $"matches {silence.Describe()}; recorded without paging");
        }

        NotifyIfDue(draft, now, silences);
        return draft.ToChange(created: true);
    }

    private IncidentChange Join(Incident incident, IncidentSignal signal, IReadOnlyDictionary<string, string> labels, DateTimeOffset now, IReadOnlyList<Silence> silences, bool repeat)
    {
        var draft = new Draft(incident);
        var silence = Silence.FirstMatch(silences.Concat(_policy.MaintenanceWindows), labels, now);
        var existing = incident.Alerts.FirstOrDefault(a => a.Fingerprint == signal.Fingerprint);
        var alert = existing is null
            ? AlertOf(signal, now) with { SuppressedBy = silence?.Describe() }
            : existing with { AlertId = signal.AlertId, State = SignalState.Firing, LastAt = now, Count = existing.Count + 1, Summary = signal.Summary.Length > 0 ? signal.Summary : existing.Summary };
        draft.Set(draft.Incident with
        {
            Alerts = existing is null ? [.. incident.Alerts, alert] : incident.Alerts.Select(a => a.Fingerprint == alert.Fingerprint ? alert : a).ToList(),
            Blast = silence is null ? incident.Blast.Merge(signal) : incident.Blast,
            ExampleCallIds = incident.ExampleCallIds.Count >= 20 ? incident.ExampleCallIds : incident.ExampleCallIds.Union(signal.ExampleCallIds).Take(20).ToList(),
            Links = incident.Links.Union(LinksOf(signal)).Take(20).ToList(),
            Attribution = incident.Attribution ?? signal.Attribution,
            LastSignalAt = now,
            UpdatedAt = now,
        });
        if (existing is null)
        {
            var how = silence is null ? "joined" : $"joined (matches {silence.Describe()}, not paged)";
            draft.Add(now, silence is null ? TimelineKinds.Alert : TimelineKinds.Suppressed, TimelineKinds.System, $"alert {NameOf(signal)} {how}: {TitleOf(signal)}");
        }
        else if (existing.State == SignalState.Resolved)
        {
            draft.Add(now, TimelineKinds.Alert, TimelineKinds.System, $"alert {NameOf(signal)} fired again");
        }

        if (repeat && incident.State == IncidentState.Monitoring)
        {
            Reopen(draft, now);
        }

        Reassess(draft, now);
        NotifyIfDue(draft, now, silences);
        return draft.ToChange(created: false);
    }

    private void Reopen(Draft draft, DateTimeOffset now)
    {
        var i = draft.Incident;
        var neverNotified = i.Pages.Count == 0 && i.NotifiedChannels.Count == 0;
        var to = i.AcknowledgedAt is null ? IncidentState.Detected : IncidentState.Investigating;
        draft.Set(i with
        {
            State = to,
            ResolvedAt = null,

            // A blip inside the group wait must not page, but an alert still firing when the original wait ends does.
            NotifyAt = to == IncidentState.Detected ? Max(i.DetectedAt + _policy.GroupWait, now) : null,
            Escalation = null,
        });
        draft.Add(now, TimelineKinds.Transition, TimelineKinds.System, $"reopened ({IncidentState.Monitoring.Name()} → {to.Name()}): an alert fired again{(neverNotified ? string.Empty : "; paging again")}");
    }

    private IncidentChange ResolveAlert(Incident incident, IncidentSignal signal, DateTimeOffset now)
    {
        var draft = new Draft(incident);
        var alerts = incident.Alerts.Select(a => a.Fingerprint == signal.Fingerprint ? a with { State = SignalState.Resolved, LastAt = now } : a).ToList();
        draft.Set(incident with { Alerts = alerts, UpdatedAt = now });
        draft.Add(now, TimelineKinds.Alert, TimelineKinds.System, $"alert {NameOf(signal)} resolved");
        if (alerts.TrueForAll(a => a.State == SignalState.Resolved))
        {
            if (incident.State == IncidentState.Detected && incident.NotifyAt is not null && incident.Pages.Count == 0 && incident.NotifiedChannels.Count == 0)
            {
                draft.Set(draft.Incident with { State = IncidentState.Monitoring, ResolvedAt = now, NotifyAt = null });
                draft.Add(now, TimelineKinds.Transition, TimelineKinds.System, "detected → monitoring: every alert resolved within the group wait; nobody was paged");
            }
            else if (incident.State.IsActive())
            {
                draft.Add(now, TimelineKinds.Alert, TimelineKinds.System, "every alert has resolved; a responder decides when the incident is resolved");
            }
        }

        return draft.ToChange(created: false);
    }

    private static Incident? InhibitingOutage(IncidentSignal signal, OpenIncidentIndex open)
    {
        var inhibitable = !signal.VendorOutage && signal.Provider is not null
            && (signal.Category == SignalCategories.Latency || signal.Signal.Contains("error", StringComparison.OrdinalIgnoreCase));
        return inhibitable
            ? open.Outages.Where(i => i.State.IsActive() && string.Equals(i.Provider, signal.Provider, StringComparison.OrdinalIgnoreCase)).OrderBy(i => i.DetectedAt).FirstOrDefault()
            : null;
    }

    private static IncidentChange Inhibit(Incident outage, IncidentSignal signal, DateTimeOffset now)
    {
        var draft = new Draft(outage);
        var reason = $"inhibited by vendor outage incident {outage.Id} ({signal.Provider})";
        draft.Set(outage with { Alerts = [.. outage.Alerts, AlertOf(signal, now) with { SuppressedBy = reason }], LastSignalAt = now, UpdatedAt = now });
        draft.Add(now, TimelineKinds.Suppressed, TimelineKinds.System, $"{signal.Category} alert {NameOf(signal)} on {signal.Feature ?? signal.Provider} {reason}; recorded, not paged");
        return draft.ToChange(created: false);
    }

    private void Reassess(Draft draft, DateTimeOffset now)
    {
        var i = draft.Incident;
        var computed = _policy.Severity.Evaluate(_policy.Audience(i.Feature), i.Category, i.Blast, i.Labels);
        var raise = computed.Severity < i.Severity && (i.OverrideBaseline is not { } floor || computed.Severity < floor);
        if (!raise)
        {
            return;
        }

        var old = i.Severity;
        draft.Set(i with { Severity = computed.Severity, SeverityReason = computed.Reason });
        draft.Add(now, TimelineKinds.Severity, TimelineKinds.System, $"severity raised {old} → {computed.Severity}: {computed.Reason}");
        OnSeverityRaised(draft, now);
    }

    private static string TitleOf(IncidentSignal s) =>
        s.Summary.Length > 0 ? s.Summary : $"{s.Category} {s.Signal} on {s.Feature ?? s.Provider ?? s.Label("alertname") ?? "unknown"}";

    private static string NameOf(IncidentSignal s) => s.Label("alertname") ?? (s.Signal.Length > 0 ? s.Signal : s.AlertId);

    private static IncidentAlert AlertOf(IncidentSignal s, DateTimeOffset now) =>
        new(s.Fingerprint, s.AlertId, s.Category, s.Signal, SignalState.Firing, now, now, 1) { Summary = s.Summary };

    /// <summary>Links an alert brings: its runbook and dashboard first, then its source; http(s) only, as they reach pages and browsers.</summary>
    private static List<string> LinksOf(IncidentSignal s)
    {
        var links = new List<string>(3);
        foreach (var label in LinkLabels)
        {
            if (s.Labels.TryGetValue(label, out var url) && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            {
                links.Add(url);
            }
        }

        return links;
    }

    /// <summary>Labels that carry an alert's links, in the order pages show them.</summary>
    internal static readonly string[] LinkLabels = ["runbook_url", "dashboard_url", "generator_url"];

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
