using Quell.Alerts;
using Quell.Configuration;

namespace Quell.Mitigations;

/// <summary>Maps an alert to the mitigation an enabled auto-mitigation rule asks for; pure and deterministic.</summary>
public sealed class MitigationPolicy(IReadOnlyList<AutoMitigationRule> rules)
{
    public IReadOnlyList<AutoMitigationRule> Rules { get; } = rules;

    /// <summary>The request of the first enabled rule that matches the alert, or null.</summary>
    public MitigationRequest? Propose(Alert alert)
    {
        foreach (var rule in Rules)
        {
            if (rule.Enabled && Matches(rule, alert))
            {
                return ToRequest(rule, alert);
            }
        }

        return null;
    }

    public static bool Matches(AutoMitigationRule rule, Alert alert) =>
        (rule.Category is null || string.Equals(rule.Category, alert.Category.ToString(), StringComparison.OrdinalIgnoreCase))
        && (rule.Signal is null || string.Equals(rule.Signal, alert.Signal, StringComparison.Ordinal))
        && SeverityRank(alert.SeverityHint) >= RequiredRank(rule.MinSeverity);

    private static MitigationRequest ToRequest(AutoMitigationRule rule, Alert alert)
    {
        string? Label(string name) => rule.ScopeLabels.Contains(name, StringComparer.Ordinal) && alert.Labels.TryGetValue(name, out var v) ? v : null;
        var scope = new MitigationScope
        {
            Feature = Label("feature"),
            Tenant = Label("tenant"),
            User = Label("user"),
            Provider = Label("provider"),
            Model = Label("model"),
        };
        return new MitigationRequest
        {
            Kind = rule.Kind,
            Scope = scope,
            Parameters = rule.Parameters,
            Reason = $"auto-mitigation '{rule.Name}' on alert {alert.Id}: {(alert.Summary.Length > 0 ? alert.Summary : alert.Signal)}",
            AlertId = alert.Id,
            CreatedBy = "policy:" + rule.Name,
            ExpiresIn = rule.ExpiresIn,
            Mode = rule.Mode,
        };
    }

    private static int SeverityRank(AlertSeverityHint hint) => hint switch
    {
        AlertSeverityHint.High => 3,
        AlertSeverityHint.Medium => 2,
        _ => 1,
    };

    private static int RequiredRank(string minSeverity) => minSeverity.ToLowerInvariant() switch
    {
        "s1" => 3,
        "s2" => 2,
        _ => 1,
    };
}
