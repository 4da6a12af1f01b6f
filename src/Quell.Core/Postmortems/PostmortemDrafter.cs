using System.Globalization;
using Quell.Incidents;

namespace Quell.Postmortems;

/// <summary>
/// Drafts a blameless post-mortem from the incident record: facts from the incident, its timeline and the calls log, and
/// prompts where only people can answer. Roles, not names, in what went badly; systems and processes, not people, at fault.
/// </summary>
public static class PostmortemDrafter
{
    private static readonly string[] RootCauseKinds = ["finding", "root_cause", "investigation", "runbook", "change"];

    public static Postmortem Draft(Incident incident, IReadOnlyList<TimelineEntry> timeline, PostmortemImpact impact, DateTimeOffset now, TimeSpan deadline, IReadOnlyList<string>? similar = null)
    {
        var t = incident.Timings;
        var notes = timeline.Where(e => e.Kind == TimelineKinds.Note).ToList();
        var findings = timeline.Where(e => RootCauseKinds.Any(k => e.Kind.Contains(k, StringComparison.OrdinalIgnoreCase))).ToList();
        var mitigations = timeline.Where(e => e.Kind.Contains("mitigation", StringComparison.OrdinalIgnoreCase) || e.Kind == TimelineKinds.Action).ToList();
        return new Postmortem
        {
            IncidentId = incident.Id,
            Title = $"Post-mortem: {incident.Title}",
            Summary = Summary(incident, impact),
            Impact = impact,
            Detection = Detection(incident),
            Timeline = timeline.Where(e => e.Kind is not (TimelineKinds.Delivery or TimelineKinds.Notification))
                .Select(e => new PostmortemEvent(e.At, e.Kind, e.Message)).ToList(),
            Mitigation = mitigations.Count > 0
                ? string.Join("\n", mitigations.Select(m => $"- {m.At:u} {m.Message}"))
                : t.ToMitigate is { } tm ? $"Mitigated {Span(tm)} after detection; describe what stopped the bleeding." : "No mitigation is recorded; describe what stopped the bleeding.",
            RootCause = RootCause(incident, findings, notes),
            WentWell = WentWell(incident),
            WentBadly = WentBadly(incident),
            ActionItems = ActionItems(incident, now),
            StructuralChanges = ["Regression cases from this incident are in the eval set for good; every release must pass them."],
            SimilarIncidents = similar ?? incident.Related,
            DueAt = (incident.ResolvedAt ?? now) + deadline,
            UpdatedAt = now,
        };
    }

    private static string Summary(Incident i, PostmortemImpact impact)
    {
        var window = impact.Duration is { } d ? $" for {Span(d)}" : string.Empty;
        var who = impact.Tenants > 0 || impact.Users > 0 ? $", touching {impact.Users} users in {impact.Tenants} tenants over {impact.Calls} calls" : string.Empty;
        var cause = i.Attribution is { Length: > 0 } a ? $" Quell attributed it to {a}." : string.Empty;
        return $"A {i.Severity} {i.Category} incident on {i.Feature ?? i.Provider ?? "an unnamed flow"}{window}{who}: {i.Summary.Trim().TrimEnd('.')}.{cause}".Replace(": .", ".", StringComparison.Ordinal);
    }

    private static string Detection(Incident i)
    {
        var first = i.Alerts.OrderBy(a => a.FirstAt).FirstOrDefault();
        var signal = first is null ? "an alert" : $"the {first.Signal} signal ({first.Category}, {i.Source})";
        var ttd = i.Timings.ToDetect is { } d ? $"{Span(d)} after the estimated onset ({i.OnsetAt:u})" : "with no onset estimate";
        var ack = i.Timings.ToAcknowledge is { } a ? $"; acknowledged {Span(a)} after detection" : string.Empty;
        var earlier = i.Category switch
        {
            SignalCategories.Quality => "An eval suite covering this flow run on every prompt or model change, before release, would have caught it earlier.",
            SignalCategories.Latency => "A tighter latency SLO burn-rate alert or a canary on the vendor path could have caught it earlier.",
            SignalCategories.Cost => "A per-trace loop cap or budget alert at a lower threshold could have caught it earlier.",
            SignalCategories.Data => "Output scanning with blocking, canaries in every tenant's documents and a tenant-isolation test in CI could have caught it earlier.",
            SignalCategories.Abuse => "Input scanning with blocking and a per-tenant rate anomaly rule could have caught it earlier.",
            _ => "Consider which signal would have shown it sooner.",
        };
        return $"Detected by {signal} {ttd}{ack}. {earlier}";
    }

    private static string RootCause(Incident i, List<TimelineEntry> findings, List<TimelineEntry> notes)
    {
        var lines = new List<string>();
        if (i.Attribution is { Length: > 0 } a)
        {
            lines.Add($"- Attribution at detection: {a}");
        }

        lines.AddRange(findings.Select(f => $"- Finding ({f.Kind}, {f.At:u}): {f.Message}"));
        var causeNotes = notes.Where(n => n.Message.Contains("cause", StringComparison.OrdinalIgnoreCase)).ToList();
        lines.AddRange((causeNotes.Count > 0 ? causeNotes : notes).Select(n => $"- Responder note ({n.At:u}): {n.Message}"));
        return lines.Count > 0 ? string.Join("\n", lines) : "Not yet established; record findings and notes on the incident timeline.";
    }

    private static List<string> WentWell(Incident i)
    {
        var list = new List<string>();
        if (i.Timings.ToDetect is { } d && d <= TimeSpan.FromMinutes(15))
        {
            list.Add($"Detected within {Span(d)} of onset.");
        }

        if (i.Timings.ToAcknowledge is { } a && a <= TimeSpan.FromMinutes(15))
        {
            list.Add($"Acknowledged within {Span(a)}.");
        }

        if (i.Attribution is { Length: > 0 })
        {
            list.Add("The alert named the likely cause, which focused the investigation.");
        }

        if (list.Count == 0)
        {
            list.Add("To be filled in by the responders.");
        }

        return list;
    }

    private static List<string> WentBadly(Incident i)
    {
        var list = new List<string>();
        if (i.Timings.ToDetect is { } d && d > TimeSpan.FromMinutes(15))
        {
            list.Add($"Detection took {Span(d)} after onset.");
        }

        if (i.Escalation is { Step: > 0 } || i.Pages.Select(p => p.Role).Distinct().Count() > 1)
        {
            list.Add("The first page was not acknowledged in time and escalated.");
        }

        if (i.Timings.ToMitigate is { } m && m > TimeSpan.FromHours(1))
        {
            list.Add($"Mitigation took {Span(m)}.");
        }

        if (i.Related.Count > 0)
        {
            list.Add($"Similar incidents happened before ({string.Join(", ", i.Related)}); their follow-ups did not prevent this one.");
        }

        if (list.Count == 0)
        {
            list.Add("To be filled in by the responders.");
        }

        return list;
    }

    private static List<ActionItem> ActionItems(Incident i, DateTimeOffset now)
    {
        var owner = i.Assignee ?? i.Commander;
        var items = new List<ActionItem>
        {
            new() { Id = "a1", Text = "Confirm the regression cases from this incident pass on every release.", Owner = owner, DueAt = now.AddDays(7) },
        };
        var followUp = i.Category switch
        {
            SignalCategories.Quality => "Add an eval gate to prompt and model version changes for this feature.",
            SignalCategories.Latency => "Review timeouts, fallbacks and the vendor's status feed for this flow.",
            SignalCategories.Cost => "Set a budget cap and an agent loop limit for this flow.",
            SignalCategories.Data => "Run a tenant-isolation audit of retrieval and memory, and decide on notifications to affected users.",
            SignalCategories.Abuse => "Block the attacking pattern at input and review rate limits per tenant.",
            _ => "Decide what prevents this class of incident.",
        };
        items.Add(new ActionItem { Id = "a2", Text = followUp, Owner = owner, DueAt = now.AddDays(14) });
        return items;
    }

    internal static string Span(TimeSpan t) => t.TotalDays >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalDays:0.#} days")
        : t.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalHours:0.#} h")
        : t.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalMinutes:0} min")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0} s");
}
