using System.Globalization;
using Quell.Incidents;
using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;
using Quell.Yaml;

namespace Quell.Configuration;

/// <summary>Turns the incidents, on-call and channels sections of quell.yaml into ready policies, or clear errors.</summary>
public static class IncidentConfigResolver
{
    /// <summary>Every problem in the three sections, each naming its key; empty when all is well.</summary>
    public static IReadOnlyList<string> Errors(QuellConfig config)
    {
        var errors = new List<string>();
        _ = ResolveOnCall(config.OnCall, errors);
        _ = MaintenanceWindows(config.Incidents, errors);
        var g = config.Incidents.Grouping;
        Check(errors, g.GroupWait >= TimeSpan.Zero, "incidents.grouping.group_wait must be >= 0");
        Check(errors, g.GroupWindow > TimeSpan.Zero, "incidents.grouping.group_window must be > 0");
        var p = config.Incidents.SeverityPolicy;
        Check(errors, p.WidespreadTenantShare is > 0 and <= 1, "incidents.severity_policy.widespread_tenant_share must be in (0, 1]");
        Check(errors, p.WidespreadCallShare is > 0 and <= 1, "incidents.severity_policy.widespread_call_share must be in (0, 1]");
        Check(errors, config.Incidents.Delivery.MaxAttempts > 0, "incidents.delivery.max_attempts must be > 0");
        Check(errors, config.Incidents.TickInterval > TimeSpan.Zero, "incidents.tick_interval must be > 0");
        var c = config.Channels;
        if (c.Pagerduty is { } pd)
        {
            Check(errors, Uri.TryCreate(pd.BaseUrl, UriKind.Absolute, out _), $"channels.pagerduty.base_url '{pd.BaseUrl}' is not an absolute URL");
            Check(errors, pd.RoutingKey.Length > 0, "channels.pagerduty.routing_key is required");
        }

        if (c.Slack is { } slack)
        {
            Check(errors, Uri.TryCreate(slack.WebhookUrl, UriKind.Absolute, out _), "channels.slack.webhook_url is not an absolute URL");
        }

        foreach (var w in c.Webhooks)
        {
            Check(errors, Uri.TryCreate(w.Url, UriKind.Absolute, out _), $"channels.webhooks[{w.Name}].url is not an absolute URL");
        }

        Check(errors, c.Webhooks.Select(w => w.Name).Distinct().Count() == c.Webhooks.Count, "channels.webhooks names must be unique");
        if (c.Email is { } email)
        {
            Check(errors, email.SmtpHost.Length > 0, "channels.email.smtp_host is required");
            Check(errors, email.Port is > 0 and < 65536, "channels.email.port must be 1..65535");
        }

        var known = c.Configured();
        foreach (var (sev, route) in new[] { ("s1", config.Incidents.Routing.S1), ("s2", config.Incidents.Routing.S2), ("s3", config.Incidents.Routing.S3) })
        {
            foreach (var name in route.Channels)
            {
                var ok = name is ChannelAliases.All or ChannelAliases.Paging or ChannelAliases.Chat or ChannelAliases.Webhook or ChannelAliases.Log || known.Contains(name);
                Check(errors, ok, $"incidents.routing.{sev}.channels: '{name}' is neither configured under channels nor one of all, paging, chat, webhook, log");
            }
        }

        return errors;
    }

    public static OnCallDirectory OnCall(QuellConfig config)
    {
        var errors = new List<string>();
        var directory = ResolveOnCall(config.OnCall, errors);
        return errors.Count == 0 ? directory : throw new ConfigException(string.Join("; ", errors));
    }

    public static IncidentPolicy Policy(QuellConfig config)
    {
        var errors = new List<string>();
        var windows = MaintenanceWindows(config.Incidents, errors);
        if (errors.Count > 0)
        {
            throw new ConfigException(string.Join("; ", errors));
        }

        return new IncidentPolicy
        {
            GroupWait = config.Incidents.Grouping.GroupWait,
            GroupWindow = config.Incidents.Grouping.GroupWindow,
            ActiveGroupWindow = config.Incidents.Grouping.ActiveGroupWindow,
            Severity = config.Incidents.SeverityPolicy,
            Routing = config.Incidents.Routing with { EscalationPolicy = config.Incidents.Routing.EscalationPolicy ?? config.OnCall.DefaultPolicy },
            Audience = feature => config.FeatureOrDefault(feature).Audience,
            Channels = config.Channels.Configured(),
            MaintenanceWindows = windows,
            PublicUrl = config.Incidents.PublicUrl,
        };
    }

    public static DeliveryPolicy Delivery(QuellConfig config) => new()
    {
        MaxAttempts = config.Incidents.Delivery.MaxAttempts,
        BaseDelay = config.Incidents.Delivery.BaseDelay,
        MaxDelay = config.Incidents.Delivery.MaxDelay,
    };

    private static OnCallDirectory ResolveOnCall(OnCallConfig config, List<string> errors)
    {
        if (config.Schedules.Count == 0 && config.EscalationPolicies.Count == 0)
        {
            return OnCallDirectory.Default;
        }

        var schedules = new Dictionary<string, OnCallSchedule>(StringComparer.Ordinal);
        foreach (var (name, s) in config.Schedules)
        {
            var at = $"on_call.schedules.{name}";
            TimeZoneInfo tz;
            try
            {
                tz = TimeZoneInfo.FindSystemTimeZoneById(s.TimeZone);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                errors.Add($"{at}.time_zone '{s.TimeZone}' is not a known IANA time zone");
                tz = TimeZoneInfo.Utc;
            }

            var layers = new List<RotationLayer>();
            for (var i = 0; i < s.Layers.Count; i++)
            {
                var l = s.Layers[i];
                var lat = $"{at}.layers[{i}]";
                Check(errors, l.Participants.Count > 0, $"{lat}.participants must name at least one person");
                Check(errors, Enum.TryParse<DayOfWeek>(l.HandoffDay, ignoreCase: true, out var day) && !int.TryParse(l.HandoffDay, out _), $"{lat}.handoff_day '{l.HandoffDay}' is not a weekday");
                layers.Add(new RotationLayer
                {
                    Name = l.Name ?? $"layer {i + 1}",
                    Participants = l.Participants,
                    HandoffDay = day,
                    HandoffTime = Time(l.HandoffTime, $"{lat}.handoff_time", errors) ?? new TimeOnly(9, 0),
                    Start = DateOnly.TryParseExact(l.Start, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start) ? start : Fail(errors, $"{lat}.start '{l.Start}' is not a yyyy-MM-dd date", new DateOnly(2024, 1, 1)),
                    ActiveFrom = l.ActiveFrom is null ? null : Time(l.ActiveFrom, $"{lat}.active_from", errors),
                    ActiveTo = l.ActiveTo is null ? null : Time(l.ActiveTo, $"{lat}.active_to", errors),
                });
            }

            var overrides = new List<OnCallOverride>();
            for (var i = 0; i < s.Overrides.Count; i++)
            {
                var o = s.Overrides[i];
                var oat = $"{at}.overrides[{i}]";
                var from = Instant(o.From, $"{oat}.from", errors);
                var to = Instant(o.To, $"{oat}.to", errors);
                Check(errors, o.User.Length > 0, $"{oat}.user is required");
                Check(errors, from is null || to is null || to > from, $"{oat}: to must be after from");
                if (from is { } f && to is { } t)
                {
                    overrides.Add(new OnCallOverride(o.User, f, t));
                }
            }

            schedules[name] = new OnCallSchedule { Name = name, TimeZone = tz, Layers = layers, Overrides = overrides };
        }

        var policies = new Dictionary<string, EscalationPolicy>(StringComparer.Ordinal);
        foreach (var (name, p) in config.EscalationPolicies)
        {
            var at = $"on_call.escalation_policies.{name}";
            Check(errors, p.Steps.Count > 0, $"{at}.steps must have at least one step");
            Check(errors, p.Repeat is >= 0 and <= 100, $"{at}.repeat must be 0..100");
            var steps = new List<EscalationStep>();
            for (var i = 0; i < p.Steps.Count; i++)
            {
                var s = p.Steps[i];
                var sat = $"{at}.steps[{i}]";
                Check(errors, s.Schedule is not null || s.User is not null, $"{sat} needs a schedule or a user");
                Check(errors, s.Schedule is null || schedules.ContainsKey(s.Schedule), $"{sat}.schedule '{s.Schedule}' is not defined under on_call.schedules");
                Check(errors, s.Delay > TimeSpan.Zero, $"{sat}.delay must be > 0");
                var targets = new List<EscalationTarget>();
                if (s.Schedule is not null)
                {
                    targets.Add(EscalationTarget.ForSchedule(s.Schedule));
                }

                if (s.User is not null)
                {
                    targets.Add(EscalationTarget.ForUser(s.User));
                }

                steps.Add(new EscalationStep { Targets = targets, Delay = s.Delay, Name = s.Name });
            }

            policies[name] = new EscalationPolicy { Name = name, Steps = steps, Repeat = p.Repeat };
        }

        if (!policies.ContainsKey(config.DefaultPolicy))
        {
            // Without a named default, page the first schedule's on-call person.
            var first = schedules.Keys.FirstOrDefault();
            if (first is null)
            {
                errors.Add($"on_call.default_policy '{config.DefaultPolicy}' is not defined and there is no schedule to page");
            }
            else
            {
                policies[config.DefaultPolicy] = new EscalationPolicy { Name = config.DefaultPolicy, Steps = [new EscalationStep { Targets = [EscalationTarget.ForSchedule(first)] }], Repeat = 2 };
            }
        }

        return new OnCallDirectory { Schedules = schedules, Policies = policies, DefaultPolicy = config.DefaultPolicy };
    }

    private static List<Silence> MaintenanceWindows(IncidentsConfig config, List<string> errors)
    {
        var result = new List<Silence>();
        for (var i = 0; i < config.MaintenanceWindows.Count; i++)
        {
            var w = config.MaintenanceWindows[i];
            var at = $"incidents.maintenance_windows[{i}]";
            var matchers = new List<LabelMatcher>();
            foreach (var text in w.Matchers)
            {
                if (LabelMatcher.TryParse(text, out var error) is { } m)
                {
                    matchers.Add(m);
                }
                else
                {
                    errors.Add($"{at}.matchers: {error}");
                }
            }

            Check(errors, matchers.Count > 0 || w.Matchers.Count > 0, $"{at}.matchers must have at least one matcher");
            var from = Instant(w.StartsAt, $"{at}.starts_at", errors);
            var to = Instant(w.EndsAt, $"{at}.ends_at", errors);
            if (from is { } f && to is { } t)
            {
                result.Add(new Silence { Id = $"maintenance:{w.Name}", Matchers = matchers, StartsAt = f, EndsAt = t, Kind = "maintenance", Comment = w.Name });
            }
        }

        return result;
    }

    private static TimeOnly? Time(string text, string at, List<string> errors)
    {
        if (TimeOnly.TryParseExact(text, ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            return t;
        }

        errors.Add($"{at} '{text}' is not a HH:mm time");
        return null;
    }

    private static DateTimeOffset? Instant(string text, string at, List<string> errors)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return t;
        }

        errors.Add($"{at} '{text}' is not an RFC 3339 instant");
        return null;
    }

    private static T Fail<T>(List<string> errors, string message, T fallback)
    {
        errors.Add(message);
        return fallback;
    }

    private static void Check(List<string> errors, bool ok, string message)
    {
        if (!ok)
        {
            errors.Add(message);
        }
    }
}
