using System.Globalization;
using Quell.Alerts;
using Quell.Calls;
using Quell.Scanning;
using Quell.Scanning.Injection;

namespace Quell.Detection;

/// <summary>
/// Thresholds for turning scanner findings into data and abuse alerts. A confirmed leak of a high-risk value (card,
/// national id, IBAN, secret, canary, another tenant's document, the system prompt) fires on its own; lower-risk
/// entities (e-mail, phone, IP address, names, street addresses) fire once <see cref="PiiLeakCalls"/> calls of one
/// feature leaked them within <see cref="Window"/>.
/// </summary>
public sealed record ContentAlertRules
{
    /// <summary>
    /// Calls leaking lower-risk PII in one feature's outputs, within <see cref="Window"/>, before a PII alert fires.
    /// Default 3: an answer that mentions one e-mail address is often legitimate; three answers in an hour that the
    /// callers did not supply are a pattern. Set 1 to alert on every one.
    /// </summary>
    public int PiiLeakCalls { get; init; } = 3;

    /// <summary>PII entities that fire on the first confirmed leak: values that identify or charge a person on their own.</summary>
    public IReadOnlyList<string> HighRiskEntities { get; init; } = [Entities.CreditCard, Entities.UsSsn, Entities.Iban, "NATIONAL_ID", "UK_NINO", "PASSPORT"];

    /// <summary>Findings of these kinds fire on the first occurrence: they are never legitimate in an output.</summary>
    public IReadOnlyList<string> ImmediateKinds { get; init; } = [FindingKinds.Secret, FindingKinds.Canary, FindingKinds.CrossTenant, FindingKinds.SystemPromptLeak];

    public TimeSpan Window { get; init; } = TimeSpan.FromHours(1);

    /// <summary>An alert resolves after this long without a new finding of its kind.</summary>
    public TimeSpan QuietToResolve { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// While an alert fires, new leaks re-send it (same alert, updated counts) at most this often, so that a leak
    /// after its incident was closed opens a new incident instead of vanishing into the old alert. Default 1 minute.
    /// </summary>
    public TimeSpan RepeatAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Injection score at which an input counts as flagged.</summary>
    public double InjectionThreshold { get; init; } = 0.5;

    public InjectionCampaignOptions Campaign { get; init; } = new();
}

/// <summary>
/// Watches the findings the scanners stored on each call: PII, secrets, canaries and foreign documents in outputs
/// become data alerts; system-prompt leaks and bursts of flagged inputs become abuse alerts (the prompt-injection
/// runbook); each with the tenants, users and calls involved.
/// </summary>
public sealed class ContentFindingsMonitor(ContentAlertRules? rules = null)
{
    private readonly ContentAlertRules _rules = rules ?? new();
    private readonly InjectionCampaignDetector _campaigns = new((rules ?? new()).Campaign);
    private readonly Dictionary<string, LeakGroup> _groups = new(StringComparer.Ordinal);
    private readonly List<AlertEvent> _events = [];
    private readonly List<LeakGroup> _touched = [];

    public void Observe(CallRecord call)
    {
        if (call.InjectionScore is { } score)
        {
            var campaign = _campaigns.Observe(new InjectionObservation(call.Timestamp, call.Tenant, call.User, score >= _rules.InjectionThreshold));
            if (campaign is not null)
            {
                FireCampaign(campaign, call);
            }
            else if (score >= _rules.InjectionThreshold && _groups.TryGetValue(CampaignKey(call.Tenant), out var open) && open.Alert is not null)
            {
                open.Touch(call, call.User);
            }
        }

        foreach (var finding in call.Findings)
        {
            if (finding.Field == "input")
            {
                continue;
            }

            var signal = finding.Kind switch
            {
                FindingKinds.Pii => "pii_leak",
                FindingKinds.Secret => "secret_leak",
                FindingKinds.Canary => "canary_leak",
                FindingKinds.CrossTenant => "cross_tenant_leak",
                FindingKinds.SystemPromptLeak => "system_prompt_leak",
                _ => null,
            };
            if (signal is null)
            {
                continue;
            }

            // A system prompt coaxed out of the model is an attack on it, not a data-protection matter.
            var category = finding.Kind == FindingKinds.SystemPromptLeak ? AlertCategory.Abuse : AlertCategory.Data;
            var key = $"{category}|{signal}|{call.Feature}";
            if (!_groups.TryGetValue(key, out var group))
            {
                group = new LeakGroup(category, signal, new Dictionary<string, string> { ["feature"] = call.Feature ?? "(none)", ["kind"] = finding.Kind }, _groups.Count);
                _groups[key] = group;
            }

            if (group.LastCallId != call.Id)
            {
                _touched.Add(group);
            }

            group.Record(call, finding, IsHighRisk(finding));
        }

        if (_touched.Count == 0)
        {
            return;
        }

        // Only the groups this call's findings touched can fire now; they fire in the order the groups were made.
        _touched.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        foreach (var group in _touched)
        {
            if (group.Alert is null)
            {
                if (ShouldFire(group, call.Timestamp))
                {
                    Fire(group, call.Timestamp);
                }
            }
            else
            {
                group.Unsent = true;
                RepeatIfDue(group, call.Timestamp);
            }
        }

        _touched.Clear();
    }

    private bool IsHighRisk(CallFinding finding) =>
        _rules.ImmediateKinds.Contains(finding.Kind) || (finding.Kind == FindingKinds.Pii && _rules.HighRiskEntities.Contains(finding.Entity, StringComparer.Ordinal));

    /// <summary>Resolves alerts whose findings have stopped.</summary>
    public void AdvanceTo(DateTimeOffset now)
    {
        foreach (var group in _groups.Values)
        {
            if (group.Alert is not null)
            {
                RepeatIfDue(group, now);
            }

            if (group.Alert is { } alert && now - group.LastSeen >= _rules.QuietToResolve)
            {
                var resolved = alert with { State = AlertState.Resolved, ResolvedAt = group.LastSeen + _rules.QuietToResolve };
                _events.Add(new AlertEvent(AlertEventKind.Resolved, resolved, resolved.ResolvedAt!.Value));
                group.Reset();
            }
        }
    }

    public IReadOnlyList<AlertEvent> Drain()
    {
        var events = _events.ToList();
        _events.Clear();
        return events;
    }

    private bool ShouldFire(LeakGroup group, DateTimeOffset now)
    {
        group.Trim(now - _rules.Window);
        return group.RecentHighRisk > 0 || group.RecentCalls >= _rules.PiiLeakCalls;
    }

    /// <summary>Re-sends a firing alert with its new counts when leaks arrived since it was last sent and the pause has passed.</summary>
    private void RepeatIfDue(LeakGroup group, DateTimeOffset now)
    {
        if (!group.Unsent || group.Alert is not { } alert || now - group.LastSent < _rules.RepeatAfter)
        {
            return;
        }

        var updated = Describe(group, alert.Id, alert.FiredAt);
        group.Alert = updated;
        group.LastSent = now;
        group.Unsent = false;
        _events.Add(new AlertEvent(AlertEventKind.Fired, updated, now));
    }

    private void Fire(LeakGroup group, DateTimeOffset now)
    {
        var fingerprint = AlertFingerprint.Compute(group.Category, group.Signal, group.Labels);
        var alert = Describe(group, AlertBook.IdFor(fingerprint, now), now);
        group.Alert = alert;
        group.LastSent = now;
        group.Unsent = false;
        _events.Add(new AlertEvent(AlertEventKind.Fired, alert, now));
    }

    private static Alert Describe(LeakGroup group, string id, DateTimeOffset firedAt)
    {
        var fingerprint = AlertFingerprint.Compute(group.Category, group.Signal, group.Labels);
        var tenants = group.Tenants.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToList();
        var entities = string.Join(", ", group.Entities.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} ×{p.Value}"));
        var owners = group.Owners.Count == 0 ? string.Empty : $"; data owned by {string.Join(", ", group.Owners.Keys.Order(StringComparer.Ordinal))}";
        var sentence = $"{group.Signal.Replace('_', ' ')} in {group.Labels["feature"]} outputs: {entities}; served to tenants {string.Join(", ", tenants.Take(5))}{(tenants.Count > 5 ? $" and {tenants.Count - 5} more" : string.Empty)}{owners}; {group.Users.Count} users, {group.TotalCalls} calls";
        var factors = tenants.Take(5).Select(t => new AttributionFactor("tenant", t, group.Tenants[t] / (double)group.TotalCalls, 0)).ToList();
        return new Alert
        {
            Id = id,
            Category = group.Category,
            Signal = group.Signal,
            Labels = new Dictionary<string, string>(group.Labels) { ["tenants"] = string.Join(",", tenants), ["owners"] = string.Join(",", group.Owners.Keys.Order(StringComparer.Ordinal)), ["users"] = string.Join(",", group.Users.Order(StringComparer.Ordinal).Take(50)) },
            Observed = group.TotalCalls,
            Baseline = 0,
            OnsetEstimate = group.FirstSeen,
            FiredAt = firedAt,
            Fingerprint = fingerprint,
            ExampleCallIds = group.Examples.ToList(),
            Attribution = new Alerts.Attribution(sentence, factors),
            // A high-risk value, another tenant's data or several tenants affected: page as high; otherwise medium.
            SeverityHint = group.Owners.Count > 0 || tenants.Count > 1 || group.HighRiskTotal > 0 ? AlertSeverityHint.High : AlertSeverityHint.Medium,
            Summary = sentence,
        };
    }

    private void FireCampaign(InjectionCampaign campaign, CallRecord call)
    {
        var key = CampaignKey(campaign.Tenant);
        if (!_groups.TryGetValue(key, out var group))
        {
            group = new LeakGroup(AlertCategory.Abuse, "injection_campaign", new Dictionary<string, string> { ["tenant"] = campaign.Tenant ?? "(none)", ["kind"] = "injection" }, _groups.Count);
            _groups[key] = group;
        }

        group.Touch(call, null);
        if (group.Alert is not null)
        {
            return;
        }

        foreach (var user in campaign.Users)
        {
            group.Users.Add(user);
        }

        var fingerprint = AlertFingerprint.Compute(AlertCategory.Abuse, "injection_campaign", group.Labels);
        var sentence = string.Create(CultureInfo.InvariantCulture,
            $"{campaign.FlaggedCount} prompt-injection attempts in {(campaign.WindowEnd - campaign.WindowStart).TotalMinutes:0} min from tenant {campaign.Tenant} by users {string.Join(", ", campaign.Users.Take(8))} (baseline {campaign.BaselineFlaggedPerWindow:0.#} per window)");
        var alert = new Alert
        {
            Id = AlertBook.IdFor(fingerprint, call.Timestamp),
            Category = AlertCategory.Abuse,
            Signal = "injection_campaign",
            Labels = new Dictionary<string, string>(group.Labels) { ["users"] = string.Join(",", campaign.Users), ["feature"] = call.Feature ?? "(none)" },
            Observed = campaign.FlaggedCount,
            Baseline = campaign.BaselineFlaggedPerWindow,
            OnsetEstimate = campaign.WindowStart,
            FiredAt = call.Timestamp,
            Fingerprint = fingerprint,
            ExampleCallIds = [call.Id],
            Attribution = new Alerts.Attribution(sentence, campaign.Users.Take(5).Select(u => new AttributionFactor("user", u, 1.0 / Math.Max(1, campaign.Users.Count), 0)).ToList()),
            SeverityHint = AlertSeverityHint.Medium,
            Summary = sentence,
        };
        group.Alert = alert;
        _events.Add(new AlertEvent(AlertEventKind.Fired, alert, call.Timestamp));
    }

    private static string CampaignKey(string? tenant) => $"abuse|injection_campaign|{tenant}";

    /// <summary>Findings of one kind in one feature (or one tenant's injection campaign) and the alert they raised.</summary>
    private sealed class LeakGroup(AlertCategory category, string signal, Dictionary<string, string> labels, int order)
    {
        /// <summary>When the group was made: its place in the monitor's group table.</summary>
        public int Order { get; } = order;

        private readonly Queue<DateTimeOffset> _recent = new();
        private readonly Queue<DateTimeOffset> _recentHighRisk = new();

        public AlertCategory Category { get; } = category;
        public string Signal { get; } = signal;
        public Dictionary<string, string> Labels { get; } = labels;
        public Dictionary<string, int> Tenants { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> Entities { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> Owners { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Users { get; } = new(StringComparer.Ordinal);
        public List<string> Examples { get; } = [];
        public Alert? Alert { get; set; }
        public DateTimeOffset FirstSeen { get; private set; }
        public DateTimeOffset LastSeen { get; private set; }
        public string? LastCallId { get; private set; }
        public int TotalCalls { get; private set; }
        public int RecentCalls => _recent.Count;
        public int RecentHighRisk => _recentHighRisk.Count;
        public int HighRiskTotal { get; private set; }

        /// <summary>When the alert was last sent (fired or repeated).</summary>
        public DateTimeOffset LastSent { get; set; }

        /// <summary>Leaks arrived since the alert was last sent.</summary>
        public bool Unsent { get; set; }

        public void Record(CallRecord call, CallFinding finding, bool highRisk)
        {
            if (LastCallId != call.Id)
            {
                Touch(call, call.User);
            }

            if (highRisk)
            {
                HighRiskTotal++;
                if (_recentHighRisk.Count == 0 || _recentHighRisk.Last() != call.Timestamp)
                {
                    _recentHighRisk.Enqueue(call.Timestamp);
                }
            }

            Entities[finding.Entity] = Entities.GetValueOrDefault(finding.Entity) + 1;
            if (finding.Owner is { } owner)
            {
                Owners[owner] = Owners.GetValueOrDefault(owner) + 1;
            }
        }

        public void Touch(CallRecord call, string? user)
        {
            if (TotalCalls == 0)
            {
                FirstSeen = call.Timestamp;
            }

            TotalCalls++;
            LastSeen = call.Timestamp;
            LastCallId = call.Id;
            _recent.Enqueue(call.Timestamp);
            Tenants[call.Tenant ?? "(none)"] = Tenants.GetValueOrDefault(call.Tenant ?? "(none)") + 1;
            if (user is not null)
            {
                Users.Add(user);
            }

            if (Examples.Count < 5)
            {
                Examples.Add(call.Id);
            }
        }

        public void Trim(DateTimeOffset before)
        {
            while (_recent.Count > 0 && _recent.Peek() < before)
            {
                _recent.Dequeue();
            }

            while (_recentHighRisk.Count > 0 && _recentHighRisk.Peek() < before)
            {
                _recentHighRisk.Dequeue();
            }
        }

        public void Reset()
        {
            Alert = null;
            Unsent = false;
            HighRiskTotal = 0;
            _recent.Clear();
            _recentHighRisk.Clear();
            Tenants.Clear();
            Entities.Clear();
            Owners.Clear();
            Users.Clear();
            Examples.Clear();
            TotalCalls = 0;
        }
    }
}
