using Quell.Incidents;

namespace Quell.Recurrence;

/// <summary>What identifies an incident's problem: category, feature, alert fingerprints, signals and attribution dimension values.</summary>
public sealed record RecurrenceSignature(string Category, string? Feature, IReadOnlySet<string> Fingerprints, IReadOnlySet<string> Signals, IReadOnlyDictionary<string, string> Dimensions)
{
    public static RecurrenceSignature Of(Incident incident, IReadOnlyList<string> dimensions) => new(
        incident.Category,
        incident.Feature,
        incident.Alerts.Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal),
        incident.Alerts.Select(a => a.Signal).Where(s => s.Length > 0).ToHashSet(StringComparer.Ordinal),
        Pick(incident.Labels, dimensions));

    /// <summary>Why <paramref name="signal"/> is the same problem, or null: the same alert, or the same signal on the same feature with no conflicting dimension.</summary>
    public string? Matches(IncidentSignal signal, IReadOnlyList<string> dimensions)
    {
        if (!string.Equals(signal.Category, Category, StringComparison.Ordinal))
        {
            return null;
        }

        if (Fingerprints.Contains(signal.Fingerprint))
        {
            return "same alert fingerprint";
        }

        if (Feature is null || !string.Equals(signal.Feature, Feature, StringComparison.Ordinal) || (Signals.Count > 0 && !Signals.Contains(signal.Signal)))
        {
            return null;
        }

        var theirs = Pick(signal.Labels, dimensions);
        var conflict = Dimensions.FirstOrDefault(d => theirs.TryGetValue(d.Key, out var v) && !string.Equals(v, d.Value, StringComparison.Ordinal));
        if (conflict.Key is not null)
        {
            return null;
        }

        var shared = Dimensions.Where(d => theirs.ContainsKey(d.Key)).Select(d => $"{d.Key}={d.Value}").ToList();
        return $"{Category} {signal.Signal} on {Feature}".TrimEnd() + (shared.Count > 0 ? $" with {string.Join(", ", shared)}" : string.Empty);
    }

    private static Dictionary<string, string> Pick(IReadOnlyDictionary<string, string> labels, IReadOnlyList<string> dimensions) =>
        dimensions.Where(d => labels.TryGetValue(d, out var v) && v.Length > 0).ToDictionary(d => d, d => labels[d], StringComparer.Ordinal);
}
