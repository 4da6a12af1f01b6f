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
        alertRoutes.MapGet(string.Empty, async (HttpRequest request, IAlertStore alerts, CancellationToken ct) =>
        {
            string? S(string name) => request.Query[name].ToString() is { Length: > 0 } v ? v : null;
            if (S("state") is { } state && state is not ("firing" or "resolved"))
            {
                return Problems.Create(400, "Bad query", "query parameter 'state' must be firing or resolved");
            }

            var list = await alerts.QueryAsync(new AlertQuery(S("state"), S("category"), QueryTime.Read(request, "from"), QueryTime.Read(request, "to"), int.TryParse(S("limit"), CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 5000) : 500), ct).ConfigureAwait(false);
            return Results.Json(list, SqliteAlertStore.Json);
        });
        alertRoutes.MapGet("/{id}", async (string id, IAlertStore alerts, CancellationToken ct) =>
            await alerts.GetAsync(id, ct).ConfigureAwait(false) is { } alert
                ? Results.Json(alert, SqliteAlertStore.Json)
                : Problems.Create(404, "Not found", $"no alert with id '{id}'"));
    }
}
