using System.Globalization;
using System.Text.Json;
using Quell.Server;

namespace Quell.Security;

/// <summary>/api/v1/keys (create, list, revoke) and /api/v1/audit: admin only.</summary>
public static class SecurityEndpoints
{
    public static IEndpointRouteBuilder MapSecurity(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/v1/keys").RequireScope(Scopes.Admin);
        keys.MapGet(string.Empty, (ApiKeyService service) => Results.Json(service.List().Select(ApiKeyView.From).ToList(), SecurityJson.Default.ListApiKeyView));
        keys.MapPost(string.Empty, CreateAsync);
        keys.MapDelete("/{id}", (string id, HttpContext http, ApiKeyService service) =>
            service.Revoke(id, http.User.Actor()) ? Results.NoContent() : Problems.Create(404, "Not found", $"no active key with id '{id}'"));

        app.MapGroup("/api/v1/audit").RequireScope(Scopes.Admin).MapGet(string.Empty, AuditAsync);
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, ApiKeyService service)
    {
        ApiKeyCreateBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(http.Request.Body, SecurityJson.Default.ApiKeyCreateBody, http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            var field = (ex.Path ?? "$").TrimStart('$', '.');
            return Invalid([$"{(field.Length == 0 ? "$" : field)}: has the wrong type (name: string, scopes: [string], tenant: string, read_tenants: [string])"]);
        }

        if (body is null)
        {
            return Invalid(["$: expected a JSON object"]);
        }

        var request = new ApiKeyRequest(body.Name ?? string.Empty, body.Scopes ?? [], body.Tenant, body.ReadTenants);
        var errors = service.Validate(request);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        var created = service.Create(request, http.User.Actor());
        return Results.Json(new CreatedApiKeyView(ApiKeyView.From(created.Key), created.Secret), SecurityJson.Default.CreatedApiKeyView, statusCode: 201);
    }

    private static async Task<IResult> AuditAsync(HttpRequest request, AuditLog audit, CancellationToken ct)
    {
        var limit = 200;
        if (request.Query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 10_000))
        {
            return Problems.Create(400, "Bad query", "query parameter 'limit' must be a whole number from 1 to 10000");
        }

        if (!QueryTime.TryRead(request, "since", out var since, out var error))
        {
            return Problems.Create(400, "Bad query", error!);
        }

        var actor = request.Query["actor"].ToString() is { Length: > 0 } a ? a : null;
        return Results.Json((await audit.QueryAsync(actor, since, limit, ct).ConfigureAwait(false)).ToList(), SecurityJson.Default.ListAuditEntry);
    }

    private static IResult Invalid(IReadOnlyList<string> errors) =>
        Problems.Create(400, "Invalid key", string.Join("; ", errors), errors.Select(e => new IngestError(0, null, e.Split(':')[0], e)).ToList());
}
