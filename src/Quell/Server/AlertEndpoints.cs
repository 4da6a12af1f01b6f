using System.Globalization;
using Quell.Storage;
using Quell.Storage.Sqlite;
using Quell.Security;

namespace Quell.Server;

/// <summary>GET /api/v1/alerts (filter by state, category, time) and GET /api/v1/alerts/{id}.</summary>
public static class AlertEndpoints
{
    public static void MapAlerts(this IEndpointRouteBuilder app)
    {
        var alertRoutes = app.MapGroup("/api/v1/alerts").RequireScope(Scopes.Read);
        // A key limited to tenants sees alerts involving its tenants, other tenants' names replaced.
        alertRoutes.MapGet(string.Empty, async (HttpRequest request, System.Security.Claims.ClaimsPrincipal user, IAlertStore alerts, CancellationToken ct) =>
        {
            string? S(string name) => request.Query[name].ToString() is { Length: > 0 } v ? v : null;
            if (S("state") is { } state && state is not ("firing" or "resolved"))
            {
                return Problems.Create(400, "Bad query", "query parameter 'state' must be firing or resolved");
            }

            var list = await alerts.QueryAsync(new AlertQuery(S("state"), S("category"), QueryTime.Read(request, "from"), QueryTime.Read(request, "to"), int.TryParse(S("limit"), CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 5000) : 500), ct).ConfigureAwait(false);
            var visible = list.Where(a => TenantView.MaySee(user, a)).ToList();
            return TenantView.Json(user, visible, SqliteAlertStore.Json, visible.SelectMany(TenantView.TenantsOf));
        });
        alertRoutes.MapGet("/{id}", async (string id, System.Security.Claims.ClaimsPrincipal user, IAlertStore alerts, CancellationToken ct) =>
            await alerts.GetAsync(id, ct).ConfigureAwait(false) is { } alert && TenantView.MaySee(user, alert)
                ? TenantView.Json(user, alert, SqliteAlertStore.Json, TenantView.TenantsOf(alert))
                : Problems.Create(404, "Not found", $"no alert with id '{id}'"));
    }
}
