using System.Text.RegularExpressions;
using Quell.Alerts;
using Quell.Incidents;

namespace Quell.Postmortems;

/// <summary>Short human titles and headlines for incidents: what happened, where, and what it was narrowed to.</summary>
public static partial class IncidentTitles
{
    /// <summary>"Input tokens per call rose 1.7× on support_chat (prompt_version support-v8)".</summary>
    public static string For(Incident incident) => For(incident, null);

    /// <summary>
    /// The title with the incident's own impact at hand: an agent-loop incident is every looping trace of its feature in
    /// its window, so it is titled by them ("Runaway agent loops on research_agent: 14 traces"), not by the one trace
    /// whose alert opened it.
    /// </summary>
    public static string For(Incident incident, PostmortemImpact? impact)
    {
        if (impact?.Traces is { } traces && IncidentScope.From(incident) is { Loop: true } loop)
        {
            var on = loop.Feature is { } lf ? $" on {lf}" : string.Empty;
            return traces == 1 ? $"Runaway agent loop{on}: 1 trace" : $"Runaway agent loops{on}: {traces.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture)} traces";
        }


        var signal = incident.Labels.GetValueOrDefault("signal") ?? incident.Alerts.OrderBy(a => a.FirstAt).FirstOrDefault()?.Signal ?? incident.Category;
        var scope = IncidentScope.From(incident);
        var ratio = incident.Attribution is { } a && Ratio().Match(a) is { Success: true } m ? " " + m.Groups[1].Value + "×" : string.Empty;
        var what = Phrase(signal, incident.Labels.GetValueOrDefault("error_type"), ratio, incident.Category);
        var where = incident.VendorOutage && incident.Provider is { } p ? $" at {p}" : scope.Feature is { } f ? $" on {f}" : incident.Provider is { } pr ? $" at {pr}" : string.Empty;
        var narrowed = Narrowing(scope, incident);
        return what + where + narrowed;
    }

    private static string Phrase(string signal, string? errorType, string ratio, string category) => signal switch
    {
        AlertSignals.LatencyP95 or AlertSignals.LatencyP99 or AlertSignals.LatencySlo => $"Responses slowed{ratio}",
        AlertSignals.TtftP95 => $"Time to first token rose{ratio}",
        AlertSignals.ErrorRate or AlertSignals.ErrorBudgetBurn => errorType switch
        {
            "rate_limited" => "Rate limiting (429s)",
            "timeout" => "Timeouts",
            "server_error" => "Server errors",
            _ => "Error burst",
        },
        AlertSignals.TimeoutRate => "Timeouts",
        AlertSignals.CostPerCall => $"Cost per call rose{ratio}",
        AlertSignals.InputTokensPerCall => $"Input tokens per call rose{ratio}",
        AlertSignals.OutputTokensPerCall => $"Output tokens per call rose{ratio}",
        AlertSignals.SpendRate => "Spend surged",
        AlertSignals.CallsPerTrace or AlertSignals.RepeatedToolCalls => "Agent loop",
        AlertSignals.EvalPassRate => "Eval pass rate fell",
        AlertSignals.NegativeFeedbackRate => "Negative feedback rose",
        AlertSignals.QualityDrift => "Quality drifting down",
        "pii_leak" => "PII in answers",
        "cross_tenant_leak" or "canary_leak" => "Another tenant's data in answers",
        "secret_leak" => "Secrets in answers",
        "system_prompt_leak" => "System prompt leaked in answers",
        "tenant_isolation_probe" => "Tenant-isolation probe failed",
        "injection_campaign" or "injection" => "Prompt-injection campaign",
        _ => char.ToUpperInvariant(category[0]) + category[1..] + " incident",
    };

    private static string Narrowing(IncidentScope scope, Incident incident)
    {
        var parts = new List<string>();
        if (scope.PromptVersion is { } pv)
        {
            parts.Add($"prompt {pv}");
        }

        if (scope.ModelVersion is { } mv)
        {
            parts.Add($"model version {mv}");
        }

        if (scope.Region is { } r)
        {
            parts.Add($"region {r}");
        }

        if (incident.Category == SignalCategories.Latency && scope.ErrorsOnly && scope.Provider is { } p && !incident.VendorOutage)
        {
            parts.Add($"provider {p}");
        }

        if (incident.Category == SignalCategories.Abuse && scope.Tenant is { } t)
        {
            parts.Add($"from tenant {t}");
        }

        if (incident.Category == SignalCategories.Cost && scope.TraceId is { } trace)
        {
            parts.Add($"trace {(trace.Length > 12 ? trace[..12] + "…" : trace)}");
        }

        if (incident.Category == SignalCategories.Data && incident.Labels.GetValueOrDefault("owners") is { Length: > 0 } owners)
        {
            parts.Add($"data of {owners.Replace(",", ", ", StringComparison.Ordinal)}");
        }

        return parts.Count == 0 ? string.Empty : $" ({string.Join(", ", parts)})";
    }

    [GeneratedRegex(@"\bup (\d+(?:\.\d+)?)×", RegexOptions.CultureInvariant)]
    private static partial Regex Ratio();
}
