using Quell.Incidents;
using Quell.Response;

namespace Quell.Configuration;

/// <summary>
/// How alerts arriving on the Alertmanager webhook are read: which of their labels set the incident's severity,
/// and which annotations are links kept on the incident and in its pages.
/// </summary>
public sealed record AlertmanagerConfig
{
    /// <summary>
    /// Tried in order when an alert has no valid <c>quell_severity</c> label; the first rule whose label has one of
    /// its values (case-insensitive) sets S1–S3. The defaults follow the usual Prometheus convention that
    /// <c>critical</c> pages and <c>warning</c> does not: critical/page → S1, error/major/high → S2,
    /// warning/minor/low/info → S3. An alert no rule matches gets the severity policy's blast-radius severity.
    /// </summary>
    public IReadOnlyList<AlertSeverityRule> SeverityRules { get; init; } =
    [
        new() { Label = "severity", Values = ["critical", "page", "emergency", "fatal", "p1", "sev1"], Severity = "S1" },
        new() { Label = "severity", Values = ["error", "major", "high", "p2", "sev2"], Severity = "S2" },
        new() { Label = "severity", Values = ["warning", "warn", "minor", "low", "info", "p3", "sev3", "none"], Severity = "S3" },
    ];

    /// <summary>Annotations whose http(s) URL is kept as the incident's runbook link.</summary>
    public IReadOnlyList<string> RunbookAnnotations { get; init; } = ["runbook_url", "runbook"];

    /// <summary>Annotations whose http(s) URL is kept as the incident's dashboard link.</summary>
    public IReadOnlyList<string> DashboardAnnotations { get; init; } = ["dashboard", "dashboard_url", "grafana_url", "grafana_dashboard"];

    /// <summary>Every problem with the rules, for start-up validation.</summary>
    public IEnumerable<string> Validate()
    {
        for (var i = 0; i < SeverityRules.Count; i++)
        {
            var rule = SeverityRules[i];
            if (string.IsNullOrWhiteSpace(rule.Label))
            {
                yield return $"alertmanager.severity_rules[{i}].label is required";
            }

            if (rule.Values.Count == 0)
            {
                yield return $"alertmanager.severity_rules[{i}].values must list at least one value";
            }

            if (!IncidentText.TryParseSeverity(rule.Severity, out _))
            {
                yield return $"alertmanager.severity_rules[{i}].severity must be S1, S2 or S3, got '{rule.Severity}'";
            }
        }
    }
}

/// <summary>An alert whose <see cref="Label"/> has one of <see cref="Values"/> gets <see cref="Severity"/>.</summary>
public sealed record AlertSeverityRule
{
    public string Label { get; init; } = "severity";
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>S1, S2 or S3.</summary>
    public string Severity { get; init; } = "S2";
}
