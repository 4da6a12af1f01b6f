using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Quell.Gateway;

/// <summary>Who a gateway caller is, as Quell knows its key.</summary>
public sealed record GatewayCaller(string Principal, IReadOnlyList<string> Scopes, string? Tenant)
{
    public bool Has(string scope) => Scopes.Contains(scope, StringComparer.Ordinal) || Scopes.Contains("admin", StringComparer.Ordinal);
}

/// <summary>Why a key was not accepted; <see cref="Unavailable"/> means Quell could not be asked.</summary>
public enum KeyVerdict
{
    Accepted,
    Unknown,
    Unavailable,
}

/// <summary>
/// Checks callers' Quell keys by asking the Quell server who the key belongs to, and remembers the answer for a
/// short time so the hot path does not wait on Quell. Answers are cached under a hash of the key, never the key.
/// A revoked key stops working within the cache lifetime.
/// </summary>
public sealed class ClientKeyVerifier(HttpClient http, Uri server, TimeSpan ttl, TimeProvider time)
{
    private static readonly TimeSpan NegativeTtl = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);

    public async ValueTask<(KeyVerdict Verdict, GatewayCaller? Caller)> VerifyAsync(string key, CancellationToken cancellationToken)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var hit) && hit.Until > now)
        {
            return (hit.Caller is null ? KeyVerdict.Unknown : KeyVerdict.Accepted, hit.Caller);
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, "/api/v1/auth/whoami"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                Remember(hash, null, now + NegativeTtl);
                return (KeyVerdict.Unknown, null);
            }

            if (!response.IsSuccessStatusCode)
            {
                return Stale(hit);
            }

            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false), cancellationToken: timeout.Token).ConfigureAwait(false);
            var root = doc.RootElement;
            var principal = root.TryGetProperty("principal", out var p) ? p.GetString() ?? "unknown" : "unknown";
            var scopes = root.TryGetProperty("scopes", out var s) && s.ValueKind == JsonValueKind.Array
                ? s.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
                : [];
            var tenant = root.TryGetProperty("tenant", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var caller = new GatewayCaller(principal, scopes, tenant);
            Remember(hash, caller, now + ttl);
            return (KeyVerdict.Accepted, caller);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or InvalidOperationException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return Stale(hit);
        }
    }

    /// <summary>While Quell is unreachable a key it accepted before keeps working: the gateway must not take production down with it.</summary>
    private static (KeyVerdict, GatewayCaller?) Stale(Entry? previous) =>
        previous?.Caller is { } c ? (KeyVerdict.Accepted, c) : (KeyVerdict.Unavailable, null);

    private void Remember(string hash, GatewayCaller? caller, DateTimeOffset until)
    {
        if (_cache.Count > 100_000)
        {
            _cache.Clear();
        }

        _cache[hash] = new Entry(caller, until);
    }

    private sealed record Entry(GatewayCaller? Caller, DateTimeOffset Until);
}
