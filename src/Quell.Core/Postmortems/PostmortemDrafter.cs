using System.Globalization;
using Quell.Formatting;
using Quell.Incidents;
using Quell.Response;

namespace Quell.Postmortems;

/// <summary>
/// Drafts a blameless post-mortem from the incident record: only facts the record holds (each response time from two
/// timeline instants, impact from the calls of the incident's scope), and prompts where only people can answer.
/// Roles, not names, in what went badly; systems and processes, not people, at fault.
/// </summary>
public static class PostmortemDrafter
{
    /// <summary>Detection, acknowledgement and mitigation within this long count as having gone well.</summary>
    public static readonly TimeSpan QuickResponse = TimeSpan.FromMinutes(15);

    /// <summary>Mitigation later than this after detection goes under what went badly.</summary>
    public static readonly TimeSpan SlowMitigation = TimeSpan.FromHours(1);

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Postmortem Draft(Incident incident, IReadOnlyList<TimelineEntry> timeline, PostmortemImpact impact, DateTimeOffset now, TimeSpan deadline, IReadOnlyList<string>? similar = null)
    {
        var episodes = ResponseFacts.Episodes(incident, timeline, impact.FirstAffectedAt);
        var facts = episodes[^1];
        var mitigations = timeline.Where(e => e.Kind.StartsWith("mitigation_", StringComparison.Ordinal) || e.Kind == TimelineKinds.Action).OrderBy(e => e.At).ToList();
        var cause = Cause(incident, timeline);
        return new Postmortem
        {
            IncidentId = incident.Id,
            Title = IncidentTitles.For(incident, impact),
            Summary = Summary(incident, impact, episodes, cause, timeline),
            Facts = [.. Facts(facts), .. episodes.SkipLast(1).SelectMany(e => Facts(e).Select(x => x with { Name = $"episode_{e.Episode}_{x.Name}" }))],
            Impact = impact,
            Detection = Detection(incident, facts),
            Timeline = timeline.Where(e => e.Kind is not (TimelineKinds.Delivery or TimelineKinds.Notification))
                .OrderBy(e => e.At).Select(e => new PostmortemEvent(e.At, e.Kind, e.Message)).ToList(),
            Mitigation = mitigations.Count > 0
                ? string.Join("\n", mitigations.Select(m => $"- {m.At:u} {m.Message}"))
                : "No mitigation is recorded; describe what stopped the bleeding.",
            RootCause = RootCause(incident, timeline, cause),
            WentWell = WentWell(incident, facts),
            WentBadly = WentBadly(incident, facts, similar ?? []),
            ActionItems = ActionItems(incident, now),
            StructuralChanges = ["Regression cases from this incident are in the eval set for good; every release must pass them."],
            SimilarIncidents = similar ?? [],
            DueAt = (incident.ResolvedAt ?? now) + deadline,
            UpdatedAt = now,
        };
    }

    /// <summary>The response times as facts with their sources; a time the record does not hold is left out.</summary>
    public static IReadOnlyList<PostmortemFact> Facts(ResponseFacts f)
    {
        var list = new List<PostmortemFact>();
        void Add(string name, ResponseFact? from, ResponseFact? to, string what)
        {
            if (from is not null && to is not null)
            {
                var span = to.At - from.At < TimeSpan.Zero ? TimeSpan.Zero : to.At - from.At;
                list.Add(new PostmortemFact(name, Math.Round(span.TotalSeconds), from.At, to.At, $"{what}: {Span(span)}", $"from {from.Source}; to {to.Source}"));
            }
        }

        Add("time_to_detect", f.Onset, f.Detected, "onset to detection");
        Add("time_to_acknowledge", f.Detected, f.Acknowledged, "detection to acknowledgement");
        Add("time_to_mitigate", f.Detected, f.Mitigated, "detection to first active mitigation");
        Add("time_to_fix", f.Detected, f.Fixed, "detection to fix shipped");
        Add("time_to_resolve", f.Detected, f.Resolved, "detection to resolution");
        Add("impact_duration", f.Onset, f.Mitigated ?? f.Fixed ?? f.Resolved, "onset to the end of the bleeding");
        return list;
    }

    private static string Summary(Incident i, PostmortemImpact impact, IReadOnlyList<ResponseFacts> episodes, string? cause, IReadOnlyList<TimelineEntry> timeline)
    {
        var f = episodes[^1];
        var sev = i.Severity.ToString();
        var start = f.Onset?.At ?? f.Detected.At;
        var title = Lower(IncidentTitles.For(i, impact));
        var what = episodes.Count == 1
            ? $"{ReadableText.Article(sev)} {sev} {i.Category} incident: {title} from {start:yyyy-MM-dd HH:mm} UTC."
            : $"{ReadableText.Article(sev)} {sev} {i.Category} incident: {title}, recurring from {start:yyyy-MM-dd HH:mm} UTC after it was resolved (episode {episodes.Count} of {episodes.Count}; its impact and response times below are this episode's).";
        var who = Who(i, impact);
        var why = cause is null ? "The cause is not yet established." : $"Cause: {cause.TrimEnd('.')}.";
        var earlier = string.Join(" ", episodes.SkipLast(1).Select(e => $"Episode {e.Episode}: {EpisodeText(e, timeline)}"));
        var stopped = StopText(f, timeline);
        return string.Join(" ", new[] { what, who, why, earlier, episodes.Count > 1 ? $"Episode {f.Episode}: {stopped}" : stopped }.Where(s => s.Length > 0));
    }

    /// <summary>"detected 2026-11-03 10:02 UTC; stopped by …, active 6 min after detection; resolved 2.1 h after detection."</summary>
    private static string EpisodeText(ResponseFacts e, IReadOnlyList<TimelineEntry> timeline)
    {
        var resolved = e.ToResolve is { } r ? $" Resolved {Span(r)} after detection." : string.Empty;
        return $"detected {e.Detected.At:yyyy-MM-dd HH:mm} UTC. {StopText(e, timeline)}{resolved}";
    }

    /// <summary>What stopped an episode: the first mitigation applied after its detection, else its fix.</summary>
    private static string StopText(ResponseFacts f, IReadOnlyList<TimelineEntry> timeline)
    {
        var stop = f.Mitigated is { } m
            ? timeline.Where(e => e.Kind is "mitigation_applied" or "mitigation_approved" && e.At == m.At).FirstOrDefault()
            : null;
        return stop is not null && f.ToMitigate is { } tm
            ? $"Stopped by {MitigationText(stop.Message)}, active {Span(tm)} after detection."
            : f.ToMitigate is { } other ? $"Mitigated {Span(other)} after detection."
            : f.ToFix is { } fix ? $"No mitigation was applied; the fix shipped {Span(fix)} after detection."
            : "Nothing on record has stopped it yet.";
    }

    /// <summary>"It affected 1,732 calls of 394 users in 23 tenants (cost $3.18)." or the data-leak form.</summary>
    private static string Who(Incident i, PostmortemImpact impact)
    {
        if (impact.Calls == 0)
        {
            return impact.Note.Length > 0 ? $"No affected call is left in the log ({impact.Note})." : "No affected call is on record.";
        }

        if (i.Category == SignalCategories.Data)
        {
            var entities = impact.Entities.Count > 0 ? $" ({string.Join(", ", impact.Entities.Select(e => $"{e.Key} ×{e.Value.ToString("#,0", Inv)}"))})" : string.Empty;
            var owners = impact.LeakedFromTenants.Count > 0 ? $"data of {ReadableText.Count(impact.LeakedFromTenants.Count, "tenant")} ({ReadableText.List(impact.LeakedFromTenants)}) reached" : "it reached";
            return $"In {ReadableText.Count(impact.Calls, "answer")}{entities}, {owners} {ReadableText.Count(impact.Users, "user")} in {ReadableText.Count(impact.RecipientTenants.Count, "tenant")} ({ReadableText.List(impact.RecipientTenants)}).";
        }

        if (i.Category == SignalCategories.Abuse)
        {
            return $"{ReadableText.Count(impact.Calls, "attack input")} came from {ReadableText.Count(impact.Users, "user")} in {ReadableText.Count(impact.Tenants, "tenant")}{(impact.RecipientTenants.Count > 0 ? $" ({ReadableText.List(impact.RecipientTenants)})" : string.Empty)}.";
        }

        var errors = impact.ErrorCalls > 0 && impact.ErrorCalls != impact.Calls ? $", {ReadableText.Count(impact.ErrorCalls, "error")}" : string.Empty;
        var latency = i.Category == SignalCategories.Latency && impact.P95LatencyMs is { } p95 && impact.ErrorCalls != impact.Calls ? $", p95 latency {ReadableText.Quantity(p95, "ms")}" : string.Empty;
        return $"It affected {ReadableText.Count(impact.Calls, impact.ErrorCalls == impact.Calls ? "failed call" : "call")} of {ReadableText.Count(impact.Users, "user")} in {ReadableText.Count(impact.Tenants, "tenant")} (cost {ReadableText.Money(impact.CostUsd)}{errors}{latency}).";
    }

    private static string Detection(Incident i, ResponseFacts f)
    {
        var signal = i.Labels.GetValueOrDefault("signal") ?? i.Alerts.OrderBy(a => a.FirstAt).FirstOrDefault()?.Signal ?? "an alert";
        var when = f.ToDetect is { } d
            ? d < TimeSpan.FromSeconds(1) ? $"at the onset ({f.Onset!.Source})" : $"{Span(d)} after the onset ({f.Onset!.At:u}, {f.Onset.Source})"
            : "with no onset on record";
        var ack = f.ToAcknowledge is { } a ? $"; acknowledged {Span(a)} after detection" : "; not acknowledged";
        var earlier = i.Category switch
        {
            SignalCategories.Quality => "An eval suite covering this flow run on every prompt or model change, before release, would have caught it earlier.",
            SignalCategories.Latency => "A tighter latency SLO burn-rate alert or a canary on the vendor path could have caught it earlier.",
            SignalCategories.Cost => "A per-trace loop cap or a budget alert at a lower threshold could have caught it earlier.",
            SignalCategories.Data => "Output scanning with blocking, canaries in every tenant's documents and a tenant-isolation test in CI could have caught it earlier.",
            SignalCategories.Abuse => "Input scanning with blocking and a per-tenant rate anomaly rule could have caught it earlier.",
            _ => "Consider which signal would have shown it sooner.",
        };
        return $"Detected by the {signal} signal ({i.Source}) {when}{ack}. {earlier}";
    }

    /// <summary>The cause as the record states it: a responder's root-cause note, else the top runbook finding, else the attribution.</summary>
    private static string? Cause(Incident i, IReadOnlyList<TimelineEntry> timeline)
    {
        var note = timeline.Where(e => e.Kind == TimelineKinds.Note).OrderBy(e => e.At)
            .FirstOrDefault(n => n.Message.StartsWith("root cause", StringComparison.OrdinalIgnoreCase));
        if (note is not null)
        {
            var text = note.Message[(note.Message.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
            var cut = text.IndexOf("; fix shipped", StringComparison.Ordinal);
            return cut > 0 ? text[..cut] : text;
        }

        var finding = timeline.Where(e => e.Kind == "runbook_finding").Select(e => e.Message)
            .FirstOrDefault(m => m.Contains("most likely cause: ", StringComparison.Ordinal));
        if (finding is not null)
        {
            var text = finding[(finding.IndexOf("most likely cause: ", StringComparison.Ordinal) + "most likely cause: ".Length)..];
            var score = text.LastIndexOf(" (score ", StringComparison.Ordinal);
            return score > 0 ? text[..score] : text;
        }

        return i.Attribution is { Length: > 0 } a ? a : null;
    }

    private static string RootCause(Incident i, IReadOnlyList<TimelineEntry> timeline, string? cause)
    {
        var lines = new List<string>();
        if (cause is not null)
        {
            lines.Add(cause.TrimEnd('.') + ".");
        }

        if (i.Attribution is { Length: > 0 } a && a != cause)
        {
            lines.Add($"- Attribution at detection: {a}");
        }

        lines.AddRange(timeline.Where(e => (e.Kind.Contains("finding", StringComparison.Ordinal) || e.Kind is "root_cause" or "investigation")
                && !e.Message.Contains(": skipped:", StringComparison.Ordinal))
            .Select(f => $"- Finding ({f.Kind}, {f.At:u}): {f.Message}"));
        lines.AddRange(timeline.Where(e => e.Kind == TimelineKinds.Note).Select(n => $"- Responder note ({n.At:u}): {n.Message}"));
        return lines.Count > 0 ? string.Join("\n", lines) : "Not yet established; record findings and notes on the incident timeline.";
    }

    private static List<string> WentWell(Incident i, ResponseFacts f)
    {
        var list = new List<string>();
        if (f.ToDetect is { } d && d <= QuickResponse)
        {
            list.Add(d < TimeSpan.FromSeconds(1) ? "Detected at the onset." : $"Detected {Span(d)} after onset.");
        }

        if (f.ToAcknowledge is { } a && a <= QuickResponse)
        {
            list.Add($"Acknowledged {Span(a)} after detection.");
        }

        if (f.ToMitigate is { } m && m <= 2 * QuickResponse)
        {
            list.Add($"Mitigation active {Span(m)} after detection.");
        }

        if (i.Attribution is { Length: > 0 } attribution && !attribution.Contains("no single dimension value explains it", StringComparison.Ordinal))
        {
            list.Add("The alert named where the anomaly was, which focused the investigation.");
        }

        if (list.Count == 0)
        {
            list.Add("To be filled in by the responders.");
        }

        return list;
    }

    private static List<string> WentBadly(Incident i, ResponseFacts f, IReadOnlyList<string> similar)
    {
        var list = new List<string>();
        if (f.ToDetect is { } d && d > QuickResponse)
        {
            list.Add($"Detection took {Span(d)} after onset.");
        }

        if (i.Escalation is { Step: > 0 } || i.Pages.Select(p => p.Role).Distinct().Count() > 1)
        {
            list.Add("The first page was not acknowledged in time and escalated.");
        }

        if (f.ToMitigate is { } m && m > SlowMitigation)
        {
            list.Add($"The first mitigation became active only {Span(m)} after detection.");
        }
        else if (f.ToMitigate is null && f.Detected is not null && i.Category != SignalCategories.Quality)
        {
            list.Add("No mitigation was applied; the bleeding lasted until the fix.");
        }

        if (similar.Count > 0)
        {
            list.Add($"A similar incident happened before ({string.Join("; ", similar)}); check whether its follow-ups would have prevented this one.");
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
        var flow = i.Feature ?? i.Provider ?? "this flow";
        var items = new List<ActionItem>
        {
            new() { Id = "a1", Text = "Confirm the regression cases from this incident pass on every release.", Owner = owner, DueAt = now.AddDays(7) },
        };
        var followUp = i.Category switch
        {
            SignalCategories.Quality => $"Add an eval gate to prompt and model version changes of {flow}.",
            SignalCategories.Latency => $"Review timeouts, fallbacks and the vendor's status feed for {flow}.",
            SignalCategories.Cost => $"Set a budget cap, a loop limit and a prompt-length check on releases of {flow}.",
            SignalCategories.Data => $"Run a tenant-isolation audit of retrieval and memory in {flow}, and decide on notifications to affected tenants.",
            SignalCategories.Abuse => $"Review input scanning and per-user rate limits of {flow}.",
            _ => "Decide what prevents this class of incident.",
        };
        items.Add(new ActionItem { Id = "a2", Text = followUp, Owner = owner, DueAt = now.AddDays(14) });
        return items;
    }

    private static string MitigationText(string message)
    {
        // "approved mitigation mit-1: rollback feature=x to v7 (reason)" → "rollback feature=x to v7 (mit-1)"
        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        var id = message.Split(' ').Skip(2).FirstOrDefault()?.TrimEnd(':');
        var body = colon > 0 ? message[(colon + 2)..] : message;
        var paren = body.IndexOf(" (", StringComparison.Ordinal);
        return (paren > 0 ? body[..paren] : body) + (id is { Length: > 0 } ? $" ({id})" : string.Empty);
    }

    private static string Lower(string s) => s.Length > 1 && char.IsUpper(s[0]) && !char.IsUpper(s[1]) ? char.ToLowerInvariant(s[0]) + s[1..] : s;

    internal static string Span(TimeSpan t) => ReadableText.Span(t);
}
