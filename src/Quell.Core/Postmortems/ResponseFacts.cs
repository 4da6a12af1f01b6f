using Quell.Incidents;
using Quell.Response;

namespace Quell.Postmortems;

/// <summary>One instant of an incident's response and where the record says it.</summary>
public sealed record ResponseFact(DateTimeOffset At, string Source);

/// <summary>
/// The milestones of an incident's response, each read from the timeline's own entries: onset (the signal's estimate,
/// never before the first affected call), detection, acknowledgement, mitigation (the first mitigation that became
/// active, or the move out of mitigating), fix (the move to fixing) and resolution (the move to monitoring).
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

    /// <summary>Reads the milestones from the incident and its timeline; <paramref name="firstAffected"/> bounds the onset.</summary>
    public static ResponseFacts From(Incident incident, IReadOnlyList<TimelineEntry> timeline, DateTimeOffset? firstAffected = null)
    {
        var ordered = timeline.OrderBy(e => e.At).ToList();
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

        if (onset is not null && onset.At > detected.At)
        {
            onset = onset with { At = detected.At };
        }

        return new ResponseFacts
        {
            Onset = onset,
            Detected = detected,
            Acknowledged = Transition(ordered, from: "detected") ?? At(incident.AcknowledgedAt, "incident.acknowledged_at"),
            Mitigated = ordered.FirstOrDefault(e => e.Kind is "mitigation_applied" or "mitigation_approved") is { } m
                ? new ResponseFact(m.At, $"timeline: {m.Kind} {m.At:u}: {Clip(m.Message)}")
                : Transition(ordered, from: "mitigating") ?? At(incident.MitigatedAt, "incident.mitigated_at"),
            Fixed = Transition(ordered, to: "fixing"),
            Resolved = Transition(ordered, to: "monitoring") ?? At(incident.ResolvedAt, "incident.resolved_at"),
        };
    }

    private static ResponseFact? Transition(List<TimelineEntry> ordered, string? from = null, string? to = null)
    {
        var e = ordered.FirstOrDefault(e => e.Kind == TimelineKinds.Transition
            && (from is null || e.Data?.GetValueOrDefault("from") == from || (e.Data is null && e.Message.StartsWith(from + " →", StringComparison.Ordinal)))
            && (to is null || e.Data?.GetValueOrDefault("to") == to || (e.Data is null && e.Message.Contains("→ " + to, StringComparison.Ordinal))));
        return e is null ? null : new ResponseFact(e.At, $"timeline: {e.Kind} {e.At:u}: {Clip(e.Message)}");
    }

    private static ResponseFact? At(DateTimeOffset? at, string source) => at is { } a ? new ResponseFact(a, source) : null;

    private static string Signal(Incident i) => i.Labels.GetValueOrDefault("signal") ?? i.Alerts.OrderBy(a => a.FirstAt).FirstOrDefault()?.Signal ?? i.Category;

    private static string Clip(string s) => s.Length <= 120 ? s : s[..117] + "...";

    private static TimeSpan Max0(TimeSpan t) => t < TimeSpan.Zero ? TimeSpan.Zero : t;
}
