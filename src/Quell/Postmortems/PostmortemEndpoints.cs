using System.Globalization;
using Quell.Evals;
using Quell.Incidents;
using Quell.Security;

namespace Quell.Postmortems;

/// <summary>Post-mortems (read, edit, versions, Markdown export), incident memory search and the incident report over HTTP.</summary>
public static class PostmortemEndpoints
{
    public static IEndpointRouteBuilder MapPostmortems(this IEndpointRouteBuilder app)
    {
        var pm = app.MapGroup("/api/v1/postmortems").RequireScope(Scopes.Read);
        var write = app.MapGroup("/api/v1/postmortems").RequireScope(Scopes.Respond);
        pm.MapGet("/{incidentId}", async (string incidentId, PostmortemService s, CancellationToken ct) =>
            await s.GetOrDraftAsync(incidentId, ct).ConfigureAwait(false) is { } p ? Results.Json(p, FixAndLearnJson.Default.Postmortem) : NoIncident(incidentId));
        write.MapPut("/{incidentId}", async (string incidentId, HttpContext http, PostmortemService s) =>
        {
            var (body, problem) = await FixAndLearnHttp.ReadObjectAsync(http).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            var (saved, error) = await s.EditAsync(incidentId, body, FixAndLearnHttp.Str(body, "updated_by") ?? FixAndLearnHttp.Str(body, "by") ?? http.User.Actor(), http.RequestAborted).ConfigureAwait(false);
            return error is not null ? FixAndLearnHttp.Field(error.Field, error.Message) : saved is null ? NoIncident(incidentId) : Results.Json(saved, FixAndLearnJson.Default.Postmortem);
        });
        pm.MapGet("/{incidentId}/export", async (string incidentId, PostmortemService s, CancellationToken ct) =>
            await s.GetOrDraftAsync(incidentId, ct).ConfigureAwait(false) is { } p ? Results.Text(PostmortemMarkdown.Render(p), "text/markdown; charset=utf-8") : NoIncident(incidentId));
        pm.MapGet("/{incidentId}/versions", async (string incidentId, PostmortemService s, CancellationToken ct) =>
            Results.Json((await s.Store.VersionsAsync(incidentId, ct).ConfigureAwait(false)).ToList(), FixAndLearnJson.Default.ListPostmortem));
        write.MapPost("/{incidentId}/draft", async (string incidentId, PostmortemService s, IIncidentStore store, CancellationToken ct) =>
            await store.GetAsync(incidentId, ct).ConfigureAwait(false) is { } i ? Results.Json(await s.DraftAsync(i, ct).ConfigureAwait(false), FixAndLearnJson.Default.Postmortem) : NoIncident(incidentId));
        app.MapGroup("/api/v1/search").RequireScope(Scopes.Read).MapGet(string.Empty, async (HttpRequest request, PostmortemService s, IIncidentStore incidents, CancellationToken ct) =>
        {
            if (request.Query["similar_to"].ToString() is { Length: > 0 } like)
            {
                return await incidents.GetAsync(like, ct).ConfigureAwait(false) is { } incident
                    ? Results.Json(s.Similar(incident, 10).ToList(), FixAndLearnJson.Default.ListSimilarIncident)
                    : NoIncident(like);
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

            return Results.Json(hits.ToList(), FixAndLearnJson.Default.ListMemoryHit);
        });
        app.MapGroup("/api/v1/report").RequireScope(Scopes.Read).MapGet(string.Empty, ReportAsync);
        return app;
    }

    private static async Task<IResult> ReportAsync(HttpRequest request, PostmortemService s, IIncidentStore store, TimeProvider time, CancellationToken ct)
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
        return Results.Json(IncidentReport.Build(from, to, incidents, recurrences, postmortems), FixAndLearnJson.Default.IncidentReport);
    }

    private static IResult NoIncident(string id) => FixAndLearnHttp.NotFound($"no incident '{id}'");
}
