using Quell.Alerts;
using AlertAttribution = Quell.Alerts.Attribution;

namespace Quell.Detection;

/// <summary>Builds <see cref="Alert"/> values with fingerprint and id filled in consistently.</summary>
internal static class AlertDraft
{
    public static string FingerprintOf(AlertCategory category, string signal, IReadOnlyDictionary<string, string> labels) =>
        AlertFingerprint.Compute(category, signal, labels);

    public static Alert Create(
        AlertCategory category,
        string signal,
        IReadOnlyDictionary<string, string> labels,
        double observed,
        double baseline,
        DateTimeOffset onset,
        DateTimeOffset firedAt,
        IReadOnlyList<string> examples,
        AlertAttribution attribution,
        string summary,
        AlertSeverityHint severity = AlertSeverityHint.None)
    {
        var fingerprint = FingerprintOf(category, signal, labels);
        return new Alert
        {
            Id = AlertBook.IdFor(fingerprint, firedAt),
            Category = category,
            Signal = signal,
            Labels = labels,
            Observed = observed,
            Baseline = baseline,
            OnsetEstimate = onset <= firedAt ? onset : firedAt,
            FiredAt = firedAt,
            Fingerprint = fingerprint,
            ExampleCallIds = examples.Count > 5 ? [.. examples.Take(5)] : examples,
            Attribution = attribution,
            Summary = summary,
            SeverityHint = severity,
        };
    }
}
