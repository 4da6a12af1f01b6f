using System.Globalization;
using Quell.Storage;
using Quell.Security;

namespace Quell.Server;

/// <summary>GET /api/v1/calls (filters for investigators) and GET /api/v1/calls/{id}.</summary>
public static class CallQueryEndpoints
{
    public static void MapCallQueries(this IEndpointRouteBuilder app)
    {
        var calls = app.MapGroup("/api/v1/calls").RequireScope(Scopes.Read);
        calls.MapGet("/{id}", async (string id, HttpContext http, ICallLog log, CancellationToken ct) =>
            await log.GetAsync(id, ct).ConfigureAwait(false) is { } call && TenantAccess.MayRead(http.User, call.Call.Tenant)
                ? Results.Json(ContentMask.For(http.User, CallView.From(call)), ServerJsonContext.Default.CallView)
                : Problems.Create(404, "Not found", $"no call with id '{id}'"));

        calls.MapGet(string.Empty, async (HttpRequest request, ICallLog log, CancellationToken ct) =>
        {
            var user = request.HttpContext.User;
            if (request.Query["tenant"].ToString() is { Length: > 0 } asked && !TenantAccess.MayRead(user, asked))
            {
                return Problems.Create(403, "Forbidden", $"this API key may not read tenant '{asked}'");
            }

            // A key limited to one tenant reads that tenant; limited to several, the answer is filtered below.
            var only = user.ReadTenants() is [var single] ? single : null;
            var q = request.Query;
            var fromOk = QueryTime.TryRead(request, "from", out var from, out var fromError);
            var toOk = QueryTime.TryRead(request, "to", out var to, out var toError);
            if (!fromOk || !toOk)
            {
                return Problems.Create(400, "Bad query", fromError ?? toError!);
            }

            var limit = 100;
            if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 10_000))
            {
                return Problems.Create(400, "Bad query", "query parameter 'limit' must be a whole number from 1 to 10000");
            }

            string? S(string name) => q[name].ToString() is { Length: > 0 } v ? v : null;
            var calls = await log.QueryAsync(new CallQuery
            {
                Feature = S("feature"),
                Tenant = S("tenant") ?? only,
                User = S("user"),
                Model = S("model"),
                Provider = S("provider"),
                PromptVersion = S("prompt_version"),
                TraceId = S("trace_id"),
                Status = S("status"),
                From = from,
                To = to,
                Limit = limit,
            }, ct).ConfigureAwait(false);
            return Results.Json(calls.Where(c => TenantAccess.MayRead(user, c.Call.Tenant)).Select(c => ContentMask.For(user, CallView.From(c))).ToList(), ServerJsonContext.Default.ListCallView);
        });
    }
}
