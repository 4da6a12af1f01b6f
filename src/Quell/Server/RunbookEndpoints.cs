using System.Text.Json;
using Quell.Runbooks;
using Quell.Security;
using Quell.Storage;

namespace Quell.Server;

/// <summary>GET /api/v1/runbooks (all, or the one for a category/signal) and POST /api/v1/runbooks/run.</summary>
public static class RunbookEndpoints
{
    public static void MapRunbooks(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/runbooks").RequireScope(Scopes.Read).MapGet(string.Empty, async (HttpRequest request, RunbookRunner runner, IAlertStore alerts, CancellationToken ct) =>
        {
            string? S(string n) => request.Query[n].ToString() is { Length: > 0 } v ? v : null;
            if (S("alert_id") is { } alertId)
            {
                var alert = await alerts.GetAsync(alertId, ct).ConfigureAwait(false);
                if (alert is null)
                {
                    return InvestigationEndpoints.FieldProblem(404, "alert_id", $"no alert with id '{alertId}'");
                }

                var forAlert = runner.Catalog.Select(alert.Category.ToString().ToLowerInvariant(), alert.Signal);
                return forAlert is null ? InvestigationEndpoints.FieldProblem(404, "alert_id", "no runbook attaches to this alert's category") : Results.Json(forAlert, InvestigationEndpoints.Json);
            }

            if (S("category") is { } category)
            {
                var match = runner.Catalog.Select(category, S("signal"));
                return match is null ? InvestigationEndpoints.FieldProblem(404, "category", $"no runbook attaches to '{category}'") : Results.Json(match, InvestigationEndpoints.Json);
            }

            return Results.Json(runner.Catalog.All, InvestigationEndpoints.Json);
        });

        // Runbook steps read cost flows, breakdowns and diffs over every tenant: not for keys limited to tenants.
        app.MapGroup("/api/v1/runbooks").RequireScope(Scopes.Respond).RequireAllTenants().MapPost("/run", async (HttpContext http, RunbookRunner runner, IAlertStore alerts) =>
        {
            RunbookRunBody? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<RunbookRunBody>(http.Request.Body, InvestigationEndpoints.Json, http.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                var field = (ex.Path ?? "$").TrimStart('$', '.');
                return InvestigationEndpoints.FieldProblem(400, field.Length == 0 ? "$" : field, "has the wrong type");
            }

            body ??= new RunbookRunBody();
            var (subject, problem) = await InvestigationEndpoints.SubjectAsync(body.AlertId, body.IncidentId, body.Category, body.Signal, body.Feature, body.Onset, alerts, http.RequestAborted).ConfigureAwait(false);
            if (subject is null)
            {
                return problem!;
            }

            if (body.Runbook is { } name && runner.Catalog.Get(name) is null)
            {
                return InvestigationEndpoints.FieldProblem(404, "runbook", $"no runbook named '{name}'");
            }

            var run = await runner.RunAsync(subject, body.Runbook, http.RequestAborted).ConfigureAwait(false);
            return run is null
                ? InvestigationEndpoints.FieldProblem(404, "category", $"no runbook attaches to '{subject.Category}'")
                : Results.Json(ContentMask.For(http.User, run), InvestigationEndpoints.Json);
        });
    }

    private sealed record RunbookRunBody
    {
        public string? AlertId { get; init; }
        public string? IncidentId { get; init; }
        public string? Category { get; init; }
        public string? Signal { get; init; }
        public string? Feature { get; init; }
        public string? Onset { get; init; }
        public string? Runbook { get; init; }
    }
}
