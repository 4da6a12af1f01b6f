using System.Globalization;
using System.Security.Claims;
using Quell.Evals;
using Quell.Incidents;
using Quell.Postmortems;
using Quell.Security;
using Quell.Server.Evals;

namespace Quell.Server.Postmortems;

/// <summary>Post-mortems (read, edit, versions, Markdown export), incident memory search and the incident report over HTTP.</summary>
public static class PostmortemEndpoints
{
    public static IEndpointRouteBuilder MapPostmortems(this IEndpointRouteBuilder app)
    {
        var pm = app.MapGroup("/api/v1/postmortems").RequireScope(Scopes.Read);
        var write = app.MapGroup("/api/v1/postmortems").RequireScope(Scopes.Respond);
        // A key limited to tenants reads the post-mortems of incidents involving its tenants, other tenants' names replaced.
        pm.MapGet("/{incidentId}", async (string incidentId, ClaimsPrincipal user, PostmortemService s, IIncidentStore store, CancellationToken ct) =>
            await VisibleAsync(user, incidentId, store, ct).ConfigureAwait(false) is { } tenants && await s.GetOrDraftAsync(incidentId, ct).ConfigureAwait(false) is { } p
                ? TenantView.Json(user, p, FixAndLearnJson.Default.Postmortem, tenants)
                : NoIncident(incidentId));
        write.MapPut("/{incidentId}", async (string incidentId, HttpContext http, PostmortemService s) =>
        {
            var (body, problem) = await FixAndLearnHttp.ReadObjectAsync(http).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            var (saved, error) = await s.EditAsync(incidentId, body, http.User.Actor(), http.RequestAborted).ConfigureAwait(false);
            return error is not null ? FixAndLearnHttp.Field(error.Field, error.Message) : saved is null ? NoIncident(incidentId) : Results.Json(saved, FixAndLearnJson.Default.Postmortem);
        });
        pm.MapGet("/{incidentId}/export", async (string incidentId, ClaimsPrincipal user, PostmortemService s, IIncidentStore store, CancellationToken ct) =>
            await VisibleAsync(user, incidentId, store, ct).ConfigureAwait(false) is { } tenants && await s.GetOrDraftAsync(incidentId, ct).ConfigureAwait(false) is { } p
                ? Results.Text(TenantView.Redact(PostmortemMarkdown.Render(p), TenantView.Others(user, tenants)), "text/markdown; charset=utf-8")
                : NoIncident(incidentId));
        pm.MapGet("/{incidentId}/versions", async (string incidentId, ClaimsPrincipal user, PostmortemService s, IIncidentStore store, CancellationToken ct) =>
            await VisibleAsync(user, incidentId, store, ct).ConfigureAwait(false) is { } tenants
                ? TenantView.Json(user, (await s.Store.VersionsAsync(incidentId, ct).ConfigureAwait(false)).ToList(), FixAndLearnJson.Default.ListPostmortem, tenants)
                : NoIncident(incidentId));
        write.MapPost("/{incidentId}/draft", async (string incidentId, PostmortemService s, IIncidentStore store, CancellationToken ct) =>
            await store.GetAsync(incidentId, ct).ConfigureAwait(false) is { } i ? Results.Json(await s.DraftAsync(i, ct).ConfigureAwait(false), FixAndLearnJson.Default.Postmortem) : NoIncident(incidentId));
        app.MapGroup("/api/v1/search").RequireScope(Scopes.Read).MapGet(string.Empty, async (HttpRequest request, ClaimsPrincipal user, PostmortemService s, IIncidentStore incidents, CancellationToken ct) =>
        {
            if (request.Query["similar_to"].ToString() is { Length: > 0 } like)
            {
                if (await incidents.GetAsync(like, ct).ConfigureAwait(false) is not { } incident || !TenantView.MaySee(user, incident))
                {
                    return NoIncident(like);
                }

                var (similar, involved) = await VisibleOnlyAsync(user, s.Similar(incident, 10), h => h.Id, incidents, ct).ConfigureAwait(false);
                return TenantView.Json(user, similar, FixAndLearnJson.Default.ListSimilarIncident, involved.Concat(TenantView.TenantsOf(incident)));
            }

            var q = request.Query["q"].ToString();
            if (string.IsNullOrWhiteSpace(q))
            {
                return FixAndLearnHttp.Field("q", "give the words to search for, or similar_to=<incident id>");
            }

            var limit = int.TryParse(request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? l : 20;
            var hits = await s.Store.SearchAsync(q, limit, anyTerm: request.Query["any"] == "true", ct).ConfigureAwait(false);
            if (hits.Count == 0 && request.Query["any"] != "false")
            {
                hits = await s.Store.SearchAsync(q, limit, anyTerm: true, ct).ConfigureAwait(false);
            }

            var (visible, tenants) = await VisibleOnlyAsync(user, hits, h => h.Id, incidents, ct).ConfigureAwait(false);
            return TenantView.Json(user, visible, FixAndLearnJson.Default.ListMemoryHit, tenants);
        });
        app.MapGroup("/api/v1/report").RequireScope(Scopes.Read).MapGet(string.Empty, ReportAsync);
        return app;
    }

    private static async Task<IResult> ReportAsync(HttpRequest request, ClaimsPrincipal user, PostmortemService s, IIncidentStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var to = now;
        var from = now.AddDays(-30);
        if (request.Query["from"].ToString() is { Length: > 0 } f && !DateTimeOffset.TryParse(f, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out from))
        {
            return FixAndLearnHttp.Field("from", $"'{f}' is not an RFC 3339 instant or date");
        }

        if (request.Query["to"].ToString() is { Length: > 0 } t && !DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out to))
        {
            return FixAndLearnHttp.Field("to", $"'{t}' is not an RFC 3339 instant or date");
        }

        var incidents = await store.ListAsync(new IncidentQuery(Limit: 10_000), ct).ConfigureAwait(false);
        var recurrences = await s.Store.RecurrencesAsync(from, to, ct).ConfigureAwait(false);
        var postmortems = await s.Store.AllLatestAsync(ct).ConfigureAwait(false);
        if (!user.IsTenantLimited())
        {
            return Results.Json(IncidentReport.Build(from, to, incidents, recurrences, postmortems), FixAndLearnJson.Default.IncidentReport);
        }

        // A key limited to tenants gets the report over the incidents involving its tenants; recurrences are counted over every tenant, so they are left out.
        var visible = incidents.Where(i => TenantView.MaySee(user, i)).ToList();
        var ids = visible.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var report = IncidentReport.Build(from, to, visible, 0, postmortems.Where(p => ids.Contains(p.IncidentId)).ToList());
        return TenantView.Json(user, report, FixAndLearnJson.Default.IncidentReport, visible.SelectMany(TenantView.TenantsOf));
    }

    /// <summary>The tenants of the incident when this key may read it (an empty set for unlimited keys), or null.</summary>
    private static async Task<IReadOnlySet<string>?> VisibleAsync(ClaimsPrincipal user, string incidentId, IIncidentStore store, CancellationToken ct)
    {
        if (!user.IsTenantLimited())
        {
            return new HashSet<string>();
        }

        return await store.GetAsync(incidentId, ct).ConfigureAwait(false) is { } incident && TenantView.MaySee(user, incident) ? TenantView.TenantsOf(incident) : null;
    }

    /// <summary>The items whose incident this key may read, with those incidents' tenants.</summary>
    private static async Task<(List<T> Items, List<string> Tenants)> VisibleOnlyAsync<T>(ClaimsPrincipal user, IEnumerable<T> items, Func<T, string> incidentId, IIncidentStore store, CancellationToken ct)
    {
        if (!user.IsTenantLimited())
        {
            return (items.ToList(), []);
        }

        var kept = new List<T>();
        var tenants = new List<string>();
        foreach (var item in items)
        {
            if (await store.GetAsync(incidentId(item), ct).ConfigureAwait(false) is { } incident && TenantView.MaySee(user, incident))
            {
                kept.Add(item);
                tenants.AddRange(TenantView.TenantsOf(incident));
            }
        }

        return (kept, tenants);
    }

    private static IResult NoIncident(string id) => FixAndLearnHttp.NotFound($"no incident '{id}'");
}
