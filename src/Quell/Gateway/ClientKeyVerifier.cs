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
/// Checks callers' Quell keys by asking the Quell server who the key belongs to, and remembers the answer so the hot
/// path does not wait on Quell: past half its lifetime an answer is still served while one lookup refreshes it in
/// the background, and callers that miss at the same moment share one lookup instead of each asking Quell. Answers
/// are cached under a hash of the key, never the key. A revoked key stops working within the cache lifetime.
/// </summary>
public sealed class ClientKeyVerifier(HttpClient http, Uri server, TimeSpan ttl, TimeProvider time)
{
    private static readonly TimeSpan NegativeTtl = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<(KeyVerdict, GatewayCaller?)>>> _lookups = new(StringComparer.Ordinal);

    public ValueTask<(KeyVerdict Verdict, GatewayCaller? Caller)> VerifyAsync(string key, CancellationToken cancellationToken)
    {
        var hash = Hash(key);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var hit) && hit.Until > now)
        {
            if (hit.RefreshAfter <= now)
            {
                // Served as it is; the one lookup that refreshes it runs on its own, nobody waits for it.
                _ = Lookup(hash, key);
            }

            return ValueTask.FromResult((hit.Caller is null ? KeyVerdict.Unknown : KeyVerdict.Accepted, hit.Caller));
        }

        return new ValueTask<(KeyVerdict, GatewayCaller?)>(Lookup(hash, key).WaitAsync(cancellationToken));
    }

    /// <summary>Completes when the lookups in flight now (background refreshes included) have ended.</summary>
    internal Task LookupsInFlight() => Task.WhenAll(_lookups.Values.Select(l => l.Value));

    /// <summary>The lookup in flight for this key, or a new one; it ends by itself even if every caller stops waiting.</summary>
    private Task<(KeyVerdict, GatewayCaller?)> Lookup(string hash, string key)
    {
        var lookup = _lookups.GetOrAdd(hash, h => new Lazy<Task<(KeyVerdict, GatewayCaller?)>>(() => AskQuellAsync(h, key)));
        return lookup.Value;
    }

    private async Task<(KeyVerdict, GatewayCaller?)> AskQuellAsync(string hash, string key)
    {
        // Run the request off the caller's stack so the entry below is never removed before it is added.
        await Task.Yield();
        _cache.TryGetValue(hash, out var previous);
        var now = time.GetUtcNow();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, "/api/v1/auth/whoami"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                Remember(hash, null, now + NegativeTtl, now + NegativeTtl);
                return (KeyVerdict.Unknown, null);
            }

            if (!response.IsSuccessStatusCode)
            {
                return Stale(hash, previous, now);
            }

            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false), cancellationToken: timeout.Token).ConfigureAwait(false);
            var root = doc.RootElement;
            var principal = root.TryGetProperty("principal", out var p) ? p.GetString() ?? "unknown" : "unknown";
            var scopes = root.TryGetProperty("scopes", out var s) && s.ValueKind == JsonValueKind.Array
                ? s.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
                : [];
            var tenant = root.TryGetProperty("tenant", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var caller = new GatewayCaller(principal, scopes, tenant);
            Remember(hash, caller, now + ttl, now + ttl / 2);
            return (KeyVerdict.Accepted, caller);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or InvalidOperationException)
        {
            return Stale(hash, previous, now);
        }
        finally
        {
            _lookups.TryRemove(hash, out _);
        }
    }

    /// <summary>
    /// While Quell is unreachable a key it accepted before keeps working (the gateway must not take production down
    /// with it); it is served for a few seconds more before Quell is asked again, so callers do not each wait on it.
    /// </summary>
    private (KeyVerdict, GatewayCaller?) Stale(string hash, Entry? previous, DateTimeOffset now)
    {
        if (previous?.Caller is not { } c)
        {
            return (KeyVerdict.Unavailable, null);
        }

        Remember(hash, c, now + NegativeTtl, now + NegativeTtl);
        return (KeyVerdict.Accepted, c);
    }

    private void Remember(string hash, GatewayCaller? caller, DateTimeOffset until, DateTimeOffset refreshAfter)
    {
        if (_cache.Count > 100_000)
        {
            _cache.Clear();
        }

        _cache[hash] = new Entry(caller, until, refreshAfter);
    }

    private static string Hash(string key)
    {
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        Span<byte> utf8 = length <= 512 ? stackalloc byte[length] : new byte[length];
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(key, utf8)], digest);
        return Convert.ToHexString(digest);
    }

    private sealed record Entry(GatewayCaller? Caller, DateTimeOffset Until, DateTimeOffset RefreshAfter);
}
