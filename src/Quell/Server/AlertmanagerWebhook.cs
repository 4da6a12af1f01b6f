using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Quell.Incidents;
using Quell.Response;

namespace Quell.Server;

/// <summary>
/// Maps an Alertmanager webhook (version 4) onto incident signals; category "infrastructure" unless a quell_category
/// label says otherwise; severity from quell_severity or the configured severity rules; runbook and dashboard links
/// from annotations.
/// </summary>
public static class AlertmanagerWebhook
{
    /// <summary>The signals of a webhook body, or the first field that is wrong.</summary>
    public sealed record Result(IReadOnlyList<IncidentSignal> Signals, (string Field, string Message)? Error);

    public static Result Map(JsonElement body, DateTimeOffset now, Configuration.AlertmanagerConfig? rules = null)
    {
        rules ??= new Configuration.AlertmanagerConfig();
        var version = IncidentEndpoints.Str(body, "version");
        if (version != "4")
        {
            return Fail("version", $"version must be \"4\" (Alertmanager webhook v4), got {(version is null ? "nothing" : $"\"{version}\"")}");
        }

        if (!body.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
        {
            return Fail("alerts", "alerts must be an array");
        }

        var externalUrl = IncidentEndpoints.Str(body, "externalURL");
        var signals = new List<IncidentSignal>();
        var i = 0;
        foreach (var a in alerts.EnumerateArray())
        {
            var at = $"alerts[{i++}]";
            if (a.ValueKind != JsonValueKind.Object)
            {
                return Fail(at, "each alert must be an object");
            }

            if (!a.TryGetProperty("labels", out var labelsElement) || labelsElement.ValueKind != JsonValueKind.Object)
            {
                return Fail($"{at}.labels", "labels must be an object of strings");
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in labelsElement.EnumerateObject())
            {
                labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }

            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            if (a.TryGetProperty("annotations", out var ann) && ann.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in ann.EnumerateObject())
                {
                    annotations[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }

            var startsText = IncidentEndpoints.Str(a, "startsAt");
            var starts = now;
            if (startsText is not null && !DateTimeOffset.TryParse(startsText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out starts))
            {
                return Fail($"{at}.startsAt", $"'{startsText}' is not an RFC 3339 instant");
            }

            var status = IncidentEndpoints.Str(a, "status") ?? IncidentEndpoints.Str(body, "status") ?? "firing";
            if (status is not ("firing" or "resolved"))
            {
                return Fail($"{at}.status", $"status must be firing or resolved, got \"{status}\"");
            }

            if (IncidentEndpoints.Str(a, "generatorURL") is { } generator)
            {
                labels.TryAdd("generator_url", generator);
            }

            if (externalUrl is not null)
            {
                labels.TryAdd("alertmanager_url", externalUrl);
            }

            ApplySeverityRules(labels, rules);
            AddLink(labels, "runbook_url", annotations, rules.RunbookAnnotations);
            AddLink(labels, "dashboard_url", annotations, rules.DashboardAnnotations);

            var category = labels.TryGetValue("quell_category", out var qc) && SignalCategories.All.Contains(qc) ? qc : SignalCategories.Infrastructure;
            var fingerprint = IncidentEndpoints.Str(a, "fingerprint") ?? Fingerprint(labels);
            var alertname = labels.GetValueOrDefault("alertname") ?? "alert";
            signals.Add(new IncidentSignal
            {
                AlertId = $"am:{fingerprint}:{starts.ToUnixTimeSeconds()}",
                Fingerprint = $"am:{fingerprint}",
                Category = category,
                Signal = alertname,
                Labels = labels,
                Summary = annotations.GetValueOrDefault("summary") ?? annotations.GetValueOrDefault("description") ?? alertname,
                Attribution = annotations.GetValueOrDefault("description"),
                FiredAt = starts,
                State = status == "resolved" ? SignalState.Resolved : SignalState.Firing,
                Source = "alertmanager",
                VendorOutage = labels.TryGetValue("quell_vendor_outage", out var vo) && vo is "true" or "1",
                OnsetEstimate = starts <= now ? starts : null,
            });
        }

        return new Result(signals, null);
    }

    private static Result Fail(string field, string message) => new([], (field, message));

    /// <summary>
    /// An alert without a valid quell_severity label gets the first matching rule's severity, recorded as quell_severity
    /// with quell_severity_from naming the label that decided it.
    /// </summary>
    private static void ApplySeverityRules(Dictionary<string, string> labels, Configuration.AlertmanagerConfig rules)
    {
        if (labels.TryGetValue("quell_severity", out var pinned) && IncidentText.TryParseSeverity(pinned, out _))
        {
            return;
        }

        foreach (var rule in rules.SeverityRules)
        {
            if (labels.TryGetValue(rule.Label, out var value) && rule.Values.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase))
            {
                labels["quell_severity"] = rule.Severity;
                labels["quell_severity_from"] = $"{rule.Label}={value.Trim()}";
                return;
            }
        }
    }

    /// <summary>The first annotation of <paramref name="names"/> holding an absolute http(s) URL; anything else (javascript:, data:, relative) is ignored.</summary>
    private static void AddLink(Dictionary<string, string> labels, string label, Dictionary<string, string> annotations, IReadOnlyList<string> names)
    {
        foreach (var name in names)
        {
            if (annotations.TryGetValue(name, out var url) && url.Length <= 2048 && Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
                && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            {
                labels[label] = uri.AbsoluteUri;
                return;
            }
        }
    }

    private static string Fingerprint(Dictionary<string, string> labels)
    {
        var text = string.Join('\u001f', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
