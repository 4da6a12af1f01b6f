using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;

namespace Quell.Incidents;

/// <summary>Paging: the first notification after the group wait, escalation steps, and severity raises.</summary>
public sealed partial class IncidentManager
{
    private void NotifyIfDue(Draft draft, DateTimeOffset now, IReadOnlyList<Silence> silences)
    {
        var i = draft.Incident;
        if (i.NotifyAt is not { } due || due > now || i.State != IncidentState.Detected)
        {
            return;
        }

        draft.Set(i with { NotifyAt = null });
        if (Silence.FirstMatch(silences.Concat(_policy.MaintenanceWindows), i.Labels, now) is { } silence)
        {
            draft.Set(draft.Incident with { SuppressedBy = silence.Describe() });
            draft.Add(now, TimelineKinds.Suppressed, TimelineKinds.System, $"not paged: {silence.Describe()} until {silence.EndsAt:u}");
            return;
        }

        draft.Set(draft.Incident with { SuppressedBy = null });
        if (_policy.Routing.For(i.Severity).Page)
        {
            StartPaging(draft, now);
        }
        else
        {
            Broadcast(draft, now, NotificationAction.Trigger, ChannelsFor(i.Severity), $"{i.Severity} incident opened: {i.Title}");
        }
    }

    private void StartPaging(Draft draft, DateTimeOffset at)
    {
        var policy = _onCall.Policy(_policy.Routing.EscalationPolicy);
        PageStep(draft, policy, 0, 0, at, after: null);
    }

    private void AdvanceEscalation(Draft draft, DateTimeOffset now)
    {
        // Several steps may be due at once when ticks were late (or virtual time jumped): take them in order.
        for (var guard = 0; guard < 1000; guard++)
        {
            var i = draft.Incident;
            if (i.State != IncidentState.Detected || i.Escalation is not { NextAt: { } next } e || next > now)
            {
                return;
            }

            var policy = _onCall.Policy(e.Policy);
            var waited = policy.Steps[Math.Min(e.Step, policy.Steps.Count - 1)].Delay;
            var step = e.Step + 1;
            var round = e.Round;
            if (step >= policy.Steps.Count)
            {
                step = 0;
                round++;
            }

            if (round > policy.Repeat)
            {
                draft.Set(i with { Escalation = e with { NextAt = null } });
                draft.Add(next, TimelineKinds.Escalation, TimelineKinds.System, $"escalation policy {policy.Name} exhausted after {policy.Repeat + 1} round(s); nobody acknowledged");
                return;
            }

            PageStep(draft, policy, step, round, next, waited);
        }
    }

    private void PageStep(Draft draft, EscalationPolicy policy, int step, int round, DateTimeOffset at, TimeSpan? after)
    {
        var i = draft.Incident;
        var s = policy.Steps[step];
        var channels = ChannelsFor(i.Severity);
        var targets = _onCall.Targets(s, at);
        draft.Set(i with
        {
            Escalation = new EscalationProgress(policy.Name, step, round, at + s.Delay),
            NotifiedChannels = i.NotifiedChannels.Union(channels).ToList(),
        });
        if (targets.Count == 0)
        {
            var what = string.Join(", ", s.Targets.Select(t => t.Schedule ?? t.User));
            draft.Add(at, TimelineKinds.Page, TimelineKinds.System, $"nobody to page at step {step + 1} of {policy.Name}: nobody on call for {what}");
            return;
        }

        var via = string.Join(", ", channels);
        foreach (var target in targets)
        {
            var text = after is { } waited
                ? $"escalated to {target.User} ({target.Role}) via {via} after {Minutes(waited)}: not acknowledged"
                : $"paged {target.User} ({target.Role}) via {via}";
            foreach (var channel in channels)
            {
                draft.Notify(this, at, channel, NotificationAction.Trigger, target.User, target.Role, text);
            }

            draft.Set(draft.Incident with { Pages = [.. draft.Incident.Pages, new PageRecord(target.User, target.Role, at, channels)] });
            draft.Add(at, after is null ? TimelineKinds.Page : TimelineKinds.Escalation, TimelineKinds.System, text, new Dictionary<string, string>
            {
                ["user"] = target.User,
                ["role"] = target.Role,
                ["channels"] = via,
                ["step"] = (step + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["round"] = (round + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }
    }

    private void OnSeverityRaised(Draft draft, DateTimeOffset now)
    {
        var i = draft.Incident;
        if (i.NotifyAt is not null || i.SuppressedBy is not null || !i.State.IsActive())
        {
            // Not notified yet: the first notification will carry the new severity.
            return;
        }

        if (_policy.Routing.For(i.Severity).Page && i.Escalation is null && i.State == IncidentState.Detected)
        {
            StartPaging(draft, now);
            return;
        }

        Broadcast(draft, now, NotificationAction.Update, ChannelsFor(i.Severity), $"severity raised to {i.Severity}: {i.SeverityReason}");
    }

    private void Broadcast(Draft draft, DateTimeOffset at, NotificationAction action, IReadOnlyList<string> channels, string text)
    {
        foreach (var channel in channels)
        {
            draft.Notify(this, at, channel, action, null, null, text);
        }

        draft.Set(draft.Incident with { NotifiedChannels = draft.Incident.NotifiedChannels.Union(channels).ToList() });
        draft.Add(at, TimelineKinds.Notification, TimelineKinds.System, $"{text} (via {string.Join(", ", channels)})");
    }

    /// <summary>
    /// The channels an update about <paramref name="i"/> reaches: every channel that heard of it, less PagerDuty once it
    /// is resolved, where an update (a trigger event) would open a new PagerDuty alert and page someone again.
    /// </summary>
    public static IReadOnlyList<string> UpdateChannels(Incident i) =>
        i.State.IsActive() ? i.NotifiedChannels : i.NotifiedChannels.Where(c => c != ChannelAliases.PagerDuty).ToList();

    private IReadOnlyList<string> ChannelsFor(Severity severity) => _policy.Routing.ChannelsFor(severity, _policy.Channels);

    internal NotificationMessage MessageFor(Incident i, DateTimeOffset at, NotificationAction action, string? recipient, string? role, string text)
    {
        var links = new List<NotificationLink> { new($"{_policy.PublicUrl.TrimEnd('/')}/incidents/{i.Id}", $"Incident {i.Id} in the Quell console") };
        links.AddRange(i.ExampleCallIds.Take(3).Select(c => new NotificationLink($"{_policy.PublicUrl.TrimEnd('/')}/calls/{Uri.EscapeDataString(c)}", $"Example call {c}")));
        links.AddRange(i.Links.Take(3).Select(l => new NotificationLink(l, LinkText(i, l))));
        return new NotificationMessage
        {
            IncidentId = i.Id,
            Action = action,
            Severity = i.Severity,
            State = i.State,
            Title = i.Title,
            Summary = i.Summary,
            Category = i.Category,
            Attribution = i.Attribution,
            Signal = i.Alerts.Count > 0 ? i.Alerts[0].Signal : null,
            Feature = i.Feature,
            Provider = i.Provider,
            Recipient = recipient,
            Role = role,
            Text = text,
            Links = links,
            Labels = i.Labels,
            At = at,
        };
    }

    private static string LinkText(Incident i, string link) =>
        i.Labels.GetValueOrDefault("runbook_url") == link ? "Runbook"
        : i.Labels.GetValueOrDefault("dashboard_url") == link ? "Dashboard"
        : "Alert source";

    private static string Minutes(TimeSpan t) => t.TotalMinutes >= 1 && t.TotalMinutes == Math.Floor(t.TotalMinutes)
        ? $"{t.TotalMinutes:0} min"
        : $"{t.TotalSeconds:0} s";

    /// <summary>An incident being changed by one decision, with the entries and notifications the decision produced.</summary>
    private sealed class Draft(Incident incident)
    {
        private readonly List<TimelineEntry> _timeline = [];
        private readonly List<Notification> _notifications = [];

        public Incident Incident { get; private set; } = incident;

        public bool Changed { get; private set; }

        public void Set(Incident incident)
        {
            Incident = incident;
            Changed = true;
        }

        public void Add(DateTimeOffset at, string kind, string actor, string message, IReadOnlyDictionary<string, string>? data = null)
        {
            _timeline.Add(new TimelineEntry(Incident.Id, at, kind, actor, message) { Data = data });
            Changed = true;
        }

        public void Notify(IncidentManager manager, DateTimeOffset at, string channel, NotificationAction action, string? recipient, string? role, string text)
        {
            var seq = Incident.NotificationSeq + 1;
            Set(Incident with { NotificationSeq = seq });
            var id = $"{Incident.Id}-n{seq}";
            _notifications.Add(new Notification(id, Incident.Id, channel, manager.MessageFor(Incident, at, action, recipient, role, text), at));
        }

        public IncidentChange ToChange(bool created) => new(Incident, created, _timeline, _notifications);
    }
}
