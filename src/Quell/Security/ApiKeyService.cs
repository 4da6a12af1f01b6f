using System.Collections.Concurrent;
using System.Security.Claims;

namespace Quell.Security;

/// <summary>What a caller asks for when creating a key.</summary>
public sealed record ApiKeyRequest(string Name, IReadOnlyList<string> Scopes, string? Tenant = null, IReadOnlyList<string>? ReadTenants = null);

/// <summary>A new key and its secret; the secret exists only in this value and is never stored.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>
/// Creates, lists and revokes API keys and turns a presented secret into a principal. Lookups are cached by hash, so
/// a request costs one SHA-256 and one dictionary probe; a revocation through this service removes the entry at once,
/// and entries are re-read from the store after <see cref="RevalidateAfter"/> so other processes on the same store
/// see revocations soon too.
/// </summary>
public sealed class ApiKeyService(IApiKeyStore store, TimeProvider time)
{
    /// <summary>How long a cached key is trusted before the store is asked again. 10 s: revocations elsewhere land quickly, the store sees one read per key per 10 s.</summary>
    public static readonly TimeSpan RevalidateAfter = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Cached> _byHash = new(StringComparer.Ordinal);

    /// <summary>The principal of an active key, or null for an unknown, revoked or malformed secret.</summary>
    public ClaimsPrincipal? Authenticate(ReadOnlySpan<char> secret)
    {
        if (secret.Length is 0 or > ApiKeySecret.MaximumLength)
        {
            return null;
        }

        var hash = ApiKeySecret.Hash(secret);
        var now = time.GetTimestamp();
        if (_byHash.TryGetValue(hash, out var cached) && time.GetElapsedTime(cached.LoadedAt, now) < RevalidateAfter)
        {
            return cached.Principal;
        }

        var key = store.FindByHash(hash);
        if (key is null || !key.IsActive)
        {
            _byHash.TryRemove(hash, out _);
            return null;
        }

        var principal = QuellPrincipal.For(key);
        _byHash[hash] = new Cached(principal, now);
        return principal;
    }

    /// <summary>Validation errors of a request, empty when it can be created.</summary>
    public IReadOnlyList<string> Validate(ApiKeyRequest request)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 64 || !request.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
        {
            errors.Add("name: 1-64 characters of letters, digits, '-', '_', '.', '@'");
        }
        else if (store.ActiveNameExists(request.Name))
        {
            errors.Add($"name: an active key named '{request.Name}' exists; names identify the actor, revoke it first or pick another");
        }

        if (request.Scopes.Count == 0)
        {
            errors.Add($"scopes: at least one of {string.Join(", ", Scopes.All)}");
        }

        foreach (var scope in request.Scopes.Where(s => Scopes.Parse(s) is null))
        {
            errors.Add($"scopes: '{scope}' is not one of {string.Join(", ", Scopes.All)}");
        }

        if (request.Tenant is { } tenant && string.IsNullOrWhiteSpace(tenant))
        {
            errors.Add("tenant: must not be blank");
        }

        if (request.ReadTenants?.Any(string.IsNullOrWhiteSpace) == true)
        {
            errors.Add("read_tenants: must not contain blank names");
        }

        return errors;
    }

    /// <summary>Creates a key; call <see cref="Validate"/> first.</summary>
    public CreatedApiKey Create(ApiKeyRequest request, string? createdBy)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(request));
        }

        return Insert(ApiKeySecret.New(), request, createdBy);
    }

    public IReadOnlyList<ApiKey> List() => store.List();

    /// <summary>Revokes a key; its next request is refused. False when no active key has this id.</summary>
    public bool Revoke(string id, string? by)
    {
        var key = store.FindById(id);
        if (key is null || !store.Revoke(id, time.GetUtcNow(), by))
        {
            return false;
        }

        _byHash.TryRemove(key.Hash, out _);
        return true;
    }

    /// <summary>
    /// Makes sure an admin can get in. A secret from the operator (QUELL_ADMIN_KEY) is registered once as the key
    /// 'admin' — a revoked one stays revoked. Without one, a store with no active key gets a new admin key whose
    /// secret is returned so the caller can show it once; otherwise null.
    /// </summary>
    public string? EnsureAdmin(string? operatorSecret)
    {
        if (operatorSecret is not null)
        {
            var secret = operatorSecret.Trim();
            if (secret.Length < ApiKeySecret.MinimumLength || secret.Length > ApiKeySecret.MaximumLength)
            {
                throw new ArgumentException($"the admin key must be {ApiKeySecret.MinimumLength}-{ApiKeySecret.MaximumLength} characters (e.g. from 'openssl rand -hex 32')", nameof(operatorSecret));
            }

            if (store.FindByHash(ApiKeySecret.Hash(secret)) is null)
            {
                Insert(secret, new ApiKeyRequest(FreeName("admin"), [Scopes.Admin]), "bootstrap");
            }

            return null;
        }

        return store.AnyActive() ? null : Insert(ApiKeySecret.New(), new ApiKeyRequest(FreeName("admin"), [Scopes.Admin]), "first start").Secret;
    }

    private string FreeName(string name)
    {
        var candidate = name;
        for (var i = 2; store.ActiveNameExists(candidate); i++)
        {
            candidate = $"{name}-{i}";
        }

        return candidate;
    }

    private CreatedApiKey Insert(string secret, ApiKeyRequest request, string? createdBy)
    {
        var key = new ApiKey
        {
            Id = ApiKeySecret.NewId(),
            Name = request.Name,
            Prefix = ApiKeySecret.Display(secret),
            Hash = ApiKeySecret.Hash(secret),
            Scopes = request.Scopes.Select(s => Scopes.Parse(s)!).Distinct().ToList(),
            Tenant = string.IsNullOrWhiteSpace(request.Tenant) ? null : request.Tenant.Trim(),
            ReadTenants = request.ReadTenants?.Select(t => t.Trim()).Distinct().ToList() ?? [],
            CreatedAt = time.GetUtcNow(),
            CreatedBy = createdBy,
        };
        store.Insert(key);
        return new CreatedApiKey(key, secret);
    }

    private sealed record Cached(ClaimsPrincipal Principal, long LoadedAt);
}
