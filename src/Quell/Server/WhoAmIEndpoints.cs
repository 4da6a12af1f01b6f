using Quell.Security;

namespace Quell.Server;

/// <summary>
/// GET /api/v1/auth/whoami: who the presented key is — its principal, scopes and pinned tenant. The gateway asks
/// it to check its callers' keys without holding Quell's key store; a key with the ingest scope (what gateway callers need) may ask about itself.
/// </summary>
public static class WhoAmIEndpoints
{
    public static IEndpointRouteBuilder MapWhoAmI(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/auth/whoami", (HttpContext http) => Results.Json(new Dictionary<string, object?>
        {
            ["principal"] = http.User.Actor(),
            ["key_id"] = http.User.KeyId(),
            ["scopes"] = http.User.FindAll(Scopes.ClaimType).Select(c => c.Value).Order(StringComparer.Ordinal).ToList(),
            ["tenant"] = http.User.PinnedTenant(),
            ["read_tenants"] = http.User.ReadTenants(),
        })).RequireScope(Scopes.Ingest);
        return app;
    }
}
