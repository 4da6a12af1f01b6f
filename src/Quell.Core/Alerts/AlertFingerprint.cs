using System.Globalization;
using System.Text;

namespace Quell.Alerts;

/// <summary>Computes the stable dedup fingerprint of an alert series.</summary>
public static class AlertFingerprint
{
    /// <summary>
    /// FNV-1a over category, signal and the labels sorted by key: stable across processes and versions,
    /// unlike <see cref="string.GetHashCode()"/>.
    /// </summary>
    public static string Compute(AlertCategory category, string signal, IReadOnlyDictionary<string, string> labels)
    {
        var sb = new StringBuilder();
        sb.Append(category.ToString()).Append('|').Append(signal);
        foreach (var key in labels.Keys.Order(StringComparer.Ordinal))
        {
            sb.Append('|').Append(key).Append('=').Append(labels[key]);
        }

        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = offset;
        foreach (var b in Encoding.UTF8.GetBytes(sb.ToString()))
        {
            hash ^= b;
            hash *= prime;
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }
}
