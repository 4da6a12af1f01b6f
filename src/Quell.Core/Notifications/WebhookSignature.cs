using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Quell.Notifications;

/// <summary>
/// Signs webhook bodies as <c>X-Quell-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;</c>;
/// the timestamp inside the signed text lets receivers refuse replays.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Quell-Signature";

    public static string Sign(string secret, DateTimeOffset at, string body)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Mac(secret, t, body)}";
    }

    /// <summary>Checks a signature header against the body and secret, and that its timestamp is within <paramref name="tolerance"/> of now.</summary>
    public static SignatureCheck Verify(string? header, string body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header))
        {
            return SignatureCheck.Missing;
        }

        string? t = null;
        var candidates = new List<string>();
        foreach (var part in header.Split(','))
        {
            var kv = part.Trim();
            if (kv.StartsWith("t=", StringComparison.Ordinal))
            {
                t = kv[2..];
            }
            else if (kv.StartsWith("v1=", StringComparison.Ordinal))
            {
                candidates.Add(kv[3..]);
            }
        }

        if (t is null || candidates.Count == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            return SignatureCheck.Malformed;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(secret, t, body));
        if (!candidates.Any(c => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(c), expected)))
        {
            return SignatureCheck.Mismatch;
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(unix);
        return age.Duration() > tolerance ? SignatureCheck.Expired : SignatureCheck.Valid;
    }

    private static string Mac(string secret, string t, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}")));
}

/// <summary>The outcome of verifying a webhook signature.</summary>
public enum SignatureCheck
{
    Valid,
    Missing,
    Malformed,
    Mismatch,
    Expired,
}
