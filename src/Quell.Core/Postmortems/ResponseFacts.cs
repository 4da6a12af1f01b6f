using Quell.Incidents;
using Quell.Response;

namespace Quell.Postmortems;

/// <summary>One instant of an incident's response and where the record says it.</summary>
public sealed record ResponseFact(DateTimeOffset At, string Source);

/// <summary>
/// The milestones of an incident's response, each read from the timeline's own entries: onset (the signal's estimate,
/// never before the first affected call), detection, acknowledgement, mitigation (the first mitigation that became
/// active, or the move out of mitigating), fix (the move to fixing) and resolution (the move to monitoring). A reopened
/// incident has one set per episode (<see cref="Episodes"/>); each is read from that episode's entries alone.
/// </summary>
public sealed record ResponseFacts
{
    public ResponseFact? Onset { get; init; }
    public required ResponseFact Detected { get; init; }
    public ResponseFact? Acknowledged { get; init; }
    public ResponseFact? Mitigated { get; init; }
    public ResponseFact? Fixed { get; init; }
    public ResponseFact? Resolved { get; init; }

    /// <summary>Onset → detection.</summary>
    public TimeSpan? ToDetect => Onset is { } o ? Max0(Detected.At - o.At) : null;

    /// <summary>Detection → acknowledgement.</summary>
    public TimeSpan? ToAcknowledge => Acknowledged is { } a ? Max0(a.At - Detected.At) : null;

    /// <summary>Detection → first active mitigation.</summary>
    public TimeSpan? ToMitigate => Mitigated is { } m ? Max0(m.At - Detected.At) : null;

    /// <summary>Detection → fix shipped.</summary>
    public TimeSpan? ToFix => Fixed is { } f ? Max0(f.At - Detected.At) : null;

    /// <summary>Detection → resolved.</summary>
    public TimeSpan? ToResolve => Resolved is { } r ? Max0(r.At - Detected.At) : null;

    /// <summary>How long calls were harmed: onset → first active mitigation, or → fix, or → resolution.</summary>
    public TimeSpan? Bleeding => Onset is { } o && (Mitigated ?? Fixed ?? Resolved) is { } end ? Max0(end.At - o.At) : null;

    /// <summary>Which episode of the incident these facts are of (1 = the first; a recurrence that reopens the incident starts the next).</summary>
    public int Episode { get; init; } = 1;

    /// <summary>Reads the milestones of the current episode from the incident and its timeline; <paramref name="firstAffected"/> bounds the first episode's onset.</summary>
    public static ResponseFacts From(Incident incident, IReadOnlyList<TimelineEntry> timeline, DateTimeOffset? firstAffected = null) =>
        Episodes(incident, timeline, firstAffected)[^1];

    /// <summary>
    /// The milestones of every episode, oldest first. A recurrence entry that reopened the incident starts an episode:
    /// its detection is that entry, its acknowledgement, mitigation, fix and resolution the first such entries after it
    /// and before the next reopening. A figure of one episode is never read from another's entries.
    /// </summary>
    public static IReadOnlyList<ResponseFacts> Episodes(Incident incident, IReadOnlyList<TimelineEntry> timeline, DateTimeOffset? firstAffected = null)
    {
        var ordered = timeline.OrderBy(e => e.At).ToList();
        var starts = new List<int> { 0 };
        for (var k = 0; k < ordered.Count; k++)
        {
            if (IsReopening(ordered[k]))
            {
                starts.Add(k);
            }
        }

        var episodes = new List<ResponseFacts>();
        for (var n = 0; n < starts.Count; n++)
        {
            var entries = ordered.GetRange(starts[n], (n + 1 < starts.Count ? starts[n + 1] : ordered.Count) - starts[n]);
            var until = n + 1 < starts.Count ? ordered[starts[n + 1]].At : DateTimeOffset.MaxValue;
            episodes.Add(n == 0
                ? First(incident, entries, firstAffected, until)
                : Reopened(incident, entries, n + 1, until));
        }

        return episodes;
    }

    /// <summary>True for the timeline entry of a recurrence that reopened the incident.</summary>
    public static bool IsReopening(TimelineEntry e) => e.Kind == TimelineKinds.Recurrence
        && (e.Data?.GetValueOrDefault("outcome") == "reopened" || (e.Data is null && e.Message.Contains("reopened", StringComparison.Ordinal)));

    private static ResponseFacts First(Incident incident, List<TimelineEntry> ordered, DateTimeOffset? firstAffected, DateTimeOffset until)
    {
        var detected = ordered.FirstOrDefault(e => e.Kind == TimelineKinds.Detected) is { } d
            ? new ResponseFact(d.At, $"timeline: {d.Kind} {d.At:u}")
            : new ResponseFact(incident.DetectedAt, "incident.detected_at");

        ResponseFact? onset = null;
        if (incident.OnsetAt is { } o)
        {
            onset = firstAffected is { } first && first > o
                ? new ResponseFact(first, $"first affected call {first:u} (the signal's onset estimate {o:u} came earlier)")
                : new ResponseFact(o, $"onset estimated by the {Signal(incident)} signal");
        }
        else if (firstAffected is { } first)
        {
            onset = new ResponseFact(first, $"first affected call {first:u}");
        }

        return Milestones(incident, ordered, detected, onset, episode: 1, until);
    }

    private static ResponseFacts Reopened(Incident incident, List<TimelineEntry> ordered, int episode, DateTimeOffset until)
    {
        var reopen = ordered[0];
        var detected = new ResponseFact(reopen.At, $"timeline: {reopen.Kind} {reopen.At:u}: {Clip(reopen.Message)}");
        var onset = reopen.Data?.GetValueOrDefault("onset") is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var o)
            ? new ResponseFact(o, $"onset of the recurrence estimated by the {Signal(incident)} signal")
            : incident.ReopenedAt == reopen.At && incident.ReopenOnsetAt is { } ro ? new ResponseFact(ro, "incident.reopen_onset_at") : null;
        return Milestones(incident, ordered, detected, onset, episode, until);
    }

    private static ResponseFacts Milestones(Incident incident, List<TimelineEntry> ordered, ResponseFact detected, ResponseFact? onset, int episode, DateTimeOffset until)
    {
        if (onset is not null && onset.At > detected.At)
        {
            onset = onset with { At = detected.At };
        }

        // The incident's own fields hold the current episode's instants; one counts only if it falls inside this episode.
        ResponseFact? Own(DateTimeOffset? at, string source) => at is { } a && a >= detected.At && a < until ? new ResponseFact(a, source) : null;

        return new ResponseFacts
        {
            Episode = episode,
            Onset = onset,
            Detected = detected,
            Acknowledged = Transition(ordered, from: "detected") ?? Own(incident.AcknowledgedAt, "incident.acknowledged_at"),
            Mitigated = ordered.FirstOrDefault(e => e.Kind is "mitigation_applied" or "mitigation_approved") is { } m
                ? new ResponseFact(m.At, $"timeline: {m.Kind} {m.At:u}: {Clip(m.Message)}")
                : Transition(ordered, from: "mitigating") ?? Own(incident.MitigatedAt, "incident.mitigated_at"),
            Fixed = Transition(ordered, to: "fixing"),
            Resolved = Transition(ordered, to: "monitoring") ?? Own(incident.ResolvedAt, "incident.resolved_at"),
        };
    }

    private static ResponseFact? Transition(List<TimelineEntry> ordered, string? from = null, string? to = null)
    {
        var e = ordered.FirstOrDefault(e => e.Kind == TimelineKinds.Transition
            && (from is null || e.Data?.GetValueOrDefault("from") == from || (e.Data is null && e.Message.StartsWith(from + " →", StringComparison.Ordinal)))
            && (to is null || e.Data?.GetValueOrDefault("to") == to || (e.Data is null && e.Message.Contains("→ " + to, StringComparison.Ordinal))));
        return e is null ? null : new ResponseFact(e.At, $"timeline: {e.Kind} {e.At:u}: {Clip(e.Message)}");
    }

    private static string Signal(Incident i) => i.Labels.GetValueOrDefault("signal") ?? i.Alerts.OrderBy(a => a.FirstAt).FirstOrDefault()?.Signal ?? i.Category;

    private static string Clip(string s) => s.Length <= 120 ? s : s[..117] + "...";

    private static TimeSpan Max0(TimeSpan t) => t < TimeSpan.Zero ? TimeSpan.Zero : t;
}
