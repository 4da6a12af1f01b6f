using System.Security.Claims;

namespace Quell.Security;

/// <summary>What a request's API key says about its caller: who acts, which scopes and which tenants.</summary>
public static class QuellPrincipal
{
    public const string TenantClaim = "quell:tenant";
    public const string ReadTenantClaim = "quell:read_tenant";
    public const string AuthenticationType = "ApiKey";

    /// <summary>The principal a key authenticates as, built once per key and shared by its requests.</summary>
    public static ClaimsPrincipal For(ApiKey key)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, key.Id),
            new(ClaimTypes.Name, key.Name),
        };
        claims.AddRange(Scopes.Expand(key.Scopes).Select(s => new Claim(Scopes.ClaimType, s)));
        if (key.Tenant is not null)
        {
            claims.Add(new Claim(TenantClaim, key.Tenant));
        }

        claims.AddRange(key.ReadTenants.Select(t => new Claim(ReadTenantClaim, t)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, AuthenticationType));
    }

    /// <summary>The actor recorded for what this caller does: the key's name.</summary>
    public static string Actor(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";

    public static string? KeyId(this ClaimsPrincipal user) => user.FindFirst(ClaimTypes.NameIdentifier)?.Value;

    public static bool HasScope(this ClaimsPrincipal user, string scope) => user.HasClaim(Scopes.ClaimType, scope);

    /// <summary>The one tenant an ingest key may write for, or null when it is not pinned.</summary>
    public static string? PinnedTenant(this ClaimsPrincipal user) => user.FindFirst(TenantClaim)?.Value;

    /// <summary>Tenants this caller may read; empty means every tenant.</summary>
    public static IReadOnlyList<string> ReadTenants(this ClaimsPrincipal user) =>
        user.FindAll(ReadTenantClaim).Select(c => c.Value).ToList();
}
