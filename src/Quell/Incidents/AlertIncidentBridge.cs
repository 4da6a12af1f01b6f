using Quell.Alerts;
using Quell.Calls;
using Quell.Incidents;
using Quell.Storage;

namespace Quell.Server.Incidents;

/// <summary>
/// Turns the detectors' alert events into incident signals, with the blast radius measured on the calls log:
/// the calls, tenants and users of the alert's feature (narrowed to the attributed dimension value) since onset.
/// </summary>
public sealed class AlertIncidentBridge(IncidentService incidents, ICallLog calls)
{
    private static readonly HashSet<string> NarrowingDimensions = ["region", "provider", "model", "model_version", "prompt_version", "tenant"];

    private static readonly HashSet<string> VendorSignals = [AlertSignals.ErrorRate, AlertSignals.ErrorBudgetBurn, AlertSignals.LatencyP95, AlertSignals.LatencyP99, AlertSignals.TtftP95, AlertSignals.LatencySlo];
    private static readonly HashSet<string> VendorErrorTypes = [ErrorTypes.RateLimited, ErrorTypes.ServerError, ErrorTypes.Timeout];
    private static readonly HashSet<string> OwnChangeDimensions = ["prompt_version", "model_version", "tenant", "user"];

    /// <summary>
    /// A latency or vendor-side error alert of one provider that no change of ours explains (no prompt or model version,
    /// tenant or user singled out) is the vendor's: errors and latency on the same provider (and region) then group as
    /// one incident named after the vendor.
    /// </summary>
    public static bool IsVendorSide(Alert a) =>
        a.Category == AlertCategory.Latency
        && VendorSignals.Contains(a.Signal)
        && a.Labels.GetValueOrDefault("provider") is { Length: > 0 } provider && provider != "(none)"
        && (a.Labels.GetValueOrDefault("error_type") is not { } type || VendorErrorTypes.Contains(type))
        && !a.Attribution.Factors.Any(f => OwnChangeDimensions.Contains(f.Dimension));

    private static string VendorPrefix(Alert a)
    {
        if (!IsVendorSide(a))
        {
            return string.Empty;
        }

        var region = a.Attribution.Factors.FirstOrDefault(f => f.Dimension == "region")?.Value;
        return $"vendor {a.Labels["provider"]}{(region is null ? "" : $" ({region})")}: ";
    }

    public async Task OnAlertAsync(AlertEvent e, CancellationToken cancellationToken)
    {
        var signal = await ToSignalAsync(e, cancellationToken).ConfigureAwait(false);
        await incidents.IngestSignalAsync(signal, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IncidentSignal> ToSignalAsync(AlertEvent e, CancellationToken cancellationToken)
    {
        var a = e.Alert;
        var from = a.OnsetEstimate < a.FiredAt ? a.OnsetEstimate : a.FiredAt.AddMinutes(-15);
        var to = a.FiredAt.AddSeconds(1);
        var labels = a.Labels;
        var feature = labels.GetValueOrDefault("feature") is { } f && f != "(none)" ? f : null;
        var total = await calls.CountAsync(new CallQuery { From = from, To = to }, cancellationToken).ConfigureAwait(false);

        CallCounts affected;
        IReadOnlyList<string> tenants;
        if (a.Category is AlertCategory.Data or AlertCategory.Abuse)
        {
            // Leaks: the tenants who received foreign data or whose users attacked, as the monitor counted them.
            tenants = (labels.GetValueOrDefault("tenants") ?? labels.GetValueOrDefault("tenant") ?? string.Empty)
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var users = (labels.GetValueOrDefault("users") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Length;
            affected = new CallCounts((long)Math.Max(1, a.Observed), tenants.Count, Math.Max(users, 1), tenants);
        }
        else
        {
            var query = new CallQuery { Feature = feature, From = from, To = to, Provider = labels.GetValueOrDefault("provider"), Model = labels.GetValueOrDefault("model") };
            var top = a.Attribution.Factors.FirstOrDefault(x => NarrowingDimensions.Contains(x.Dimension));
            query = top?.Dimension switch
            {
                "region" => query with { Region = top.Value },
                "provider" => query with { Provider = top.Value },
                "model" => query with { Model = top.Value },
                "model_version" => query with { ModelVersion = top.Value },
                "prompt_version" => query with { PromptVersion = top.Value },
                "tenant" => query with { Tenant = top.Value },
                _ => query,
            };
            affected = await calls.CountAsync(query, cancellationToken).ConfigureAwait(false);
            tenants = affected.TenantNames;
        }

        return new IncidentSignal
        {
            AlertId = a.Id,
            Fingerprint = a.Fingerprint,
            Category = a.Category.ToString().ToLowerInvariant(),
            Signal = a.Signal,
            Labels = labels,
            Summary = VendorPrefix(a) + (string.IsNullOrEmpty(a.Summary) ? a.Attribution.Sentence : a.Summary),
            Attribution = VendorPrefix(a) + a.Attribution.Sentence,
            Observed = double.IsFinite(a.Observed) ? a.Observed : null,
            Baseline = double.IsFinite(a.Baseline) ? a.Baseline : null,
            FiredAt = e.Kind == AlertEventKind.Resolved ? a.ResolvedAt ?? e.At : a.FiredAt,
            OnsetEstimate = a.OnsetEstimate,
            State = e.Kind == AlertEventKind.Resolved ? SignalState.Resolved : SignalState.Firing,
            ExampleCallIds = a.ExampleCallIds,
            AffectedTenants = tenants,
            AffectedUsers = affected.Users,
            AffectedCalls = affected.Calls,
            TotalTenants = Math.Max(total.Tenants, tenants.Count),
            TotalUsers = total.Users,
            TotalCalls = total.Calls,
            VendorOutage = IsVendorSide(a),
        };
    }
}
