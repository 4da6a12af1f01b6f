using System.Globalization;
using Quell.Configuration;
using Quell.Response;

namespace Quell.Incidents;

/// <summary>When an incident is S1, S2 or S3. Defaults: widespread at ≥ 20% of tenants or ≥ 10% of calls.</summary>
public sealed record SeverityPolicy
{
    /// <summary>Share of tenants affected from which a customer-facing incident is widespread (S1). Default 0.20.</summary>
    public double WidespreadTenantShare { get; init; } = 0.20;

    /// <summary>Share of calls affected from which a customer-facing incident is widespread (S1). Default 0.10.</summary>
    public double WidespreadCallShare { get; init; } = 0.10;

    /// <summary>Share of users affected from which an incident is widespread; off when null (the default).</summary>
    public double? WidespreadUserShare { get; init; }

    /// <summary>Categories that are a confirmed leak when customer-facing: at least S2, S1 past one tenant. Default: data.</summary>
    public IReadOnlyList<string> LeakCategories { get; init; } = [SignalCategories.Data];

    /// <summary>
    /// Cost incidents on customer-facing features: no customer sees a fault, so they are this severity by their own
    /// rule, whatever their blast radius. Default S2.
    /// </summary>
    public Severity CostSeverity { get; init; } = Severity.S2;

    /// <summary>Cost incidents whose signal is a breached daily budget (<see cref="BudgetSignals"/>). Default S1.</summary>
    public Severity BudgetBreachSeverity { get; init; } = Severity.S1;

    /// <summary>Signals that mean a budget was breached. Default: spend_rate.</summary>
    public IReadOnlyList<string> BudgetSignals { get; init; } = ["spend_rate"];

    /// <summary>Computes the severity of an incident from who its feature serves, its category and its blast radius.</summary>
    public SeverityAssessment Evaluate(FeatureAudience audience, string category, BlastRadius blast, IReadOnlyDictionary<string, string>? labels = null)
    {
        if (labels is not null && labels.TryGetValue("quell_severity", out var pinned) && IncidentText.TryParseSeverity(pinned, out var pinnedSeverity))
        {
            return new(pinnedSeverity, labels.TryGetValue("quell_severity_from", out var from)
                ? $"set by the alert's {from} label"
                : "pinned by the alert's quell_severity label");
        }

        var radius = Describe(blast);
        if (audience == FeatureAudience.Internal)
        {
            return new(Severity.S3, $"internal feature; {radius}");
        }

        if (string.Equals(category, SignalCategories.Cost, StringComparison.OrdinalIgnoreCase))
        {
            var signal = labels?.GetValueOrDefault("signal");
            return signal is not null && BudgetSignals.Contains(signal, StringComparer.Ordinal)
                ? new(BudgetBreachSeverity, $"cost incident with a breached budget ({signal}); {radius}")
                : new(CostSeverity, $"cost incident without a budget breach (severity_policy.cost_severity); {radius}");
        }

        if (LeakCategories.Contains(category, StringComparer.OrdinalIgnoreCase))
        {
            return blast.Tenants.Count > 1
                ? new(Severity.S1, $"{category} leak in customer-facing output across {blast.Tenants.Count} tenants")
                : new(Severity.S2, $"{category} leak in customer-facing output; {radius}");
        }

        var widespread = blast.TenantShare >= WidespreadTenantShare || blast.CallShare >= WidespreadCallShare || (WidespreadUserShare is { } u && blast.UserShare >= u);
        return widespread
            ? new(Severity.S1, $"customer-facing and widespread: {radius}")
            : new(Severity.S2, $"customer-facing and limited: {radius}");
    }

    private static string Describe(BlastRadius b)
    {
        var parts = new List<string>(3);
        if (b.TenantShare is { } t)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{t:P0} of tenants ({b.Tenants.Count}/{b.TotalTenants})"));
        }

        if (b.CallShare is { } c)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{c:P0} of calls"));
        }

        if (b.UserShare is { } u)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{u:P0} of users"));
        }

        return parts.Count == 0 ? "blast radius unknown" : string.Join(", ", parts);
    }
}

/// <summary>A computed severity and the one-line reason a responder reads.</summary>
public sealed record SeverityAssessment(Severity Severity, string Reason);
