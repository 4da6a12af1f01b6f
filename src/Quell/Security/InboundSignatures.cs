using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Quell.Configuration;
using Quell.Yaml;

namespace Quell.Security;

/// <summary>
/// Verifies the HMAC-SHA256 signatures that webhook senders put on their bodies, per source, with secrets read once at
/// start-up. <c>X-Quell-Signature: t=…,v1=…</c> signs <c>"t.body"</c> and is refused outside the source's tolerance of
/// the server's clock; <c>X-Hub-Signature-256: sha256=…</c> (GitHub) signs the body alone.
/// </summary>
public sealed class InboundSignatures
{
    public const string QuellHeader = "X-Quell-Signature";
    public const string HubHeader = "X-Hub-Signature-256";

    private readonly Dictionary<string, (byte[] Secret, InboundWebhookConfig Config)> _sources = new(StringComparer.Ordinal);

    // Timestamped signatures already accepted, until they leave the tolerance window: a copy sent again inside it is a replay.
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    public InboundSignatures(QuellConfig config, Func<string, string?> environment)
    {
        var errors = config.Security.Validate().ToList();
        foreach (var (source, hook) in config.Security.Webhooks)
        {
            var secret = hook.Secret ?? (hook.SecretEnv is { Length: > 0 } env ? environment(env) : null);
            if (string.IsNullOrEmpty(secret))
            {
                errors.Add($"security.webhooks.{source}.secret_env: the environment variable {hook.SecretEnv} is not set or empty");
                continue;
            }

            _sources[source] = (Encoding.UTF8.GetBytes(secret), hook);
        }

        if (errors.Count > 0)
        {
            throw new ConfigException(string.Join(Environment.NewLine, errors.Distinct()));
        }
    }

    /// <summary>Whether requests from this source must be signed.</summary>
    public bool Requires(string source) => _sources.ContainsKey(source);

    /// <summary>Why this request's signature is refused, or null when it is valid (or the source needs none).</summary>
    public string? Refusal(string source, IHeaderDictionary headers, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (!_sources.TryGetValue(source, out var s))
        {
            return null;
        }

        var quell = headers[QuellHeader];
        if (quell.Count > 0)
        {
            return quell.Count > 1 ? $"send one {QuellHeader} header" : CheckTimestamped(quell[0] ?? string.Empty, body, s.Secret, now, s.Config.Tolerance) ?? FirstUse(source, quell[0]!, now, s.Config.Tolerance);
        }

        var hub = headers[HubHeader];
        if (hub.Count > 0 && s.Config.AllowUntimestamped)
        {
            return hub.Count > 1 ? $"send one {HubHeader} header" : CheckBodyOnly(hub[0] ?? string.Empty, body, s.Secret);
        }

        return s.Config.AllowUntimestamped
            ? $"this endpoint needs a signature: {QuellHeader}: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"t.body\"> or {HubHeader}: sha256=<hex HMAC-SHA256 of the body>"
            : $"this endpoint needs a signature: {QuellHeader}: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"t.body\">";
    }

    private string? FirstUse(string source, string header, DateTimeOffset now, TimeSpan tolerance)
    {
        var key = source + "\n" + header;
        lock (_seen)
        {
            if (_seen.Count >= 100_000)
            {
                foreach (var old in _seen.Where(e => e.Value < now).Select(e => e.Key).ToList())
                {
                    _seen.Remove(old);
                }
            }

            if (_seen.TryGetValue(key, out var until) && until >= now)
            {
                return $"this {QuellHeader} was already used; sign each request with a fresh timestamp";
            }

            // The signature is valid until its timestamp leaves the window; two tolerances from now bounds it.
            _seen[key] = now + tolerance + tolerance;
            return null;
        }
    }

    /// <summary>The X-Quell-Signature value for a body, as a sender computes it.</summary>
    public static string SignTimestamped(string secret, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Mac(Encoding.UTF8.GetBytes(secret), t, body))}";
    }

    /// <summary>The X-Hub-Signature-256 value for a body, as GitHub computes it.</summary>
    public static string SignBodyOnly(string secret, ReadOnlySpan<byte> body) =>
        $"sha256={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body))}";

    private static string? CheckTimestamped(string header, ReadOnlySpan<byte> body, byte[] secret, DateTimeOffset now, TimeSpan tolerance)
    {
        string? t = null;
        var candidates = new List<string>(2);
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                t = part[2..];
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                candidates.Add(part[3..]);
            }
        }

        if (t is null || candidates.Count == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) || unix > 253402300799)
        {
            return $"{QuellHeader} is malformed: expected t=<unix seconds>,v1=<64 hex digits>";
        }

        var expected = Mac(secret, t, body);
        if (!candidates.Any(c => Matches(c, expected)))
        {
            return $"{QuellHeader} does not match the body: sign \"t.body\" with the secret configured for this source";
        }

        var skew = now - DateTimeOffset.FromUnixTimeSeconds(unix);
        return skew.Duration() > tolerance
            ? $"{QuellHeader} timestamp is {Math.Abs(skew.TotalSeconds):0} s {(skew > TimeSpan.Zero ? "old" : "ahead")}, outside the {tolerance.TotalSeconds:0} s tolerance (a replay, or the sender's clock is off)"
            : null;
    }

    private static string? CheckBodyOnly(string header, ReadOnlySpan<byte> body, byte[] secret)
    {
        if (!header.StartsWith("sha256=", StringComparison.Ordinal))
        {
            return $"{HubHeader} is malformed: expected sha256=<64 hex digits>";
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(secret, body, expected);
        return Matches(header["sha256=".Length..], expected) ? null : $"{HubHeader} does not match the body: sign it with the secret configured for this source";
    }

    private static byte[] Mac(byte[] secret, string t, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(Encoding.ASCII.GetBytes(t + "."));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    /// <summary>Constant-time comparison of a hex candidate with the expected MAC.</summary>
    private static bool Matches(string hex, ReadOnlySpan<byte> expected)
    {
        Span<byte> given = stackalloc byte[32];
        return hex.Length == 64
            && Convert.FromHexString(hex, given, out _, out var written) == OperationStatus.Done
            && written == 32
            && CryptographicOperations.FixedTimeEquals(given, expected);
    }
}

/// <summary>Puts a route behind its source's webhook signature when one is configured.</summary>
public static class SignedRoutes
{
    public static TBuilder RequireSignature<TBuilder>(this TBuilder builder, string source)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!InboundWebhookSources.All.Contains(source, StringComparer.Ordinal))
        {
            throw new ArgumentException($"'{source}' is not one of {string.Join(", ", InboundWebhookSources.All)}", nameof(source));
        }

        return builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var signatures = http.RequestServices.GetRequiredService<InboundSignatures>();
            if (!signatures.Requires(source))
            {
                return await next(context).ConfigureAwait(false);
            }

            if (Refusal(http, signatures, source) is { } why)
            {
                http.Response.Headers.WWWAuthenticate = $"HMAC-SHA256 realm=\"quell\", headers=\"{InboundSignatures.QuellHeader}\"";
                return Server.Problems.Create(StatusCodes.Status401Unauthorized, "Bad signature", why);
            }

            return await next(context).ConfigureAwait(false);
        });
    }

    private static string? Refusal(HttpContext http, InboundSignatures signatures, string source)
    {
        // BodyAdmission has read the body once (without its Content-Encoding); the signature covers exactly those bytes.
        var body = http.Features.Get<Server.BufferedBody>() is { } buffered ? buffered.Bytes.AsSpan(0, buffered.Length) : [];
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        return signatures.Refusal(source, http.Request.Headers, body, now);
    }
}
