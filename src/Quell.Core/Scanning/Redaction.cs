using System.Security.Cryptography;
using System.Text;

namespace Quell.Scanning;

/// <summary>Rewrites text so that the spans of findings no longer disclose their values.</summary>
public static class Redaction
{
    /// <summary>Replaces each finding's span by <c>[ENTITY]</c>, or by its masked evidence when <paramref name="partial"/>.</summary>
    public static string Mask(string text, IEnumerable<ScanFinding> findings, bool partial = false) =>
        Rewrite(text, findings, (finding, _) => partial ? finding.Evidence : $"[{finding.Entity}]");

    /// <summary>
    /// Replaces each span by <c>&lt;ENTITY:8 hex&gt;</c>, an HMAC-SHA256 of the normalised value: the same value gets
    /// the same pseudonym across calls under one key, so investigators can still join records without seeing it.
    /// </summary>
    public static string Pseudonymize(string text, IEnumerable<ScanFinding> findings, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Rewrite(text, findings, (finding, value) => $"<{finding.Entity}:{Pseudonym(finding.Entity, value, key)}>");
    }

    /// <summary>The 8-hex-digit pseudonym of a value of the given entity.</summary>
    public static string Pseudonym(string entity, ReadOnlySpan<char> value, byte[] key)
    {
        var normalised = entity switch
        {
            Entities.Phone or Entities.CreditCard or Entities.UsSsn => TextChars.DigitsOnly(value),
            Entities.Iban => value.ToString().Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant(),
            _ => value.ToString().ToLowerInvariant(),
        };
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(entity + ":" + normalised), mac);
        return Convert.ToHexStringLower(mac[..4]);
    }

    private static string Rewrite(string text, IEnumerable<ScanFinding> findings, Func<ScanFinding, string, string> replacement)
    {
        var builder = new StringBuilder(text.Length);
        var position = 0;
        foreach (var finding in findings.Where(f => f.End > f.Start && f.End <= text.Length).OrderBy(f => f.Start))
        {
            if (finding.Start < position)
            {
                continue;
            }

            builder.Append(text, position, finding.Start - position);
            builder.Append(replacement(finding, text[finding.Start..finding.End]));
            position = finding.End;
        }

        builder.Append(text, position, text.Length - position);
        return builder.ToString();
    }
}
