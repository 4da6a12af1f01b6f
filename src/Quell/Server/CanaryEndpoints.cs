using Quell.Scanning;
using Quell.Scanning.Canaries;
using Quell.Storage.Sqlite;
using Quell.Security;

namespace Quell.Server;

/// <summary>POST /api/v1/canaries mints a marker to plant in a tenant's data; GET lists them.</summary>
public static class CanaryEndpoints
{
    public static void MapCanaries(this IEndpointRouteBuilder app)
    {
        // Canary values are secrets of their own: only admin mints or reads them.
        var canaries = app.MapGroup("/api/v1/canaries").RequireScope(Scopes.Admin);
        canaries.MapPost(string.Empty, async (CanaryRequest request, ContentScanner scanner, ICanaryStore store, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Tenant))
            {
                return Problems.Create(400, "Invalid canary request", "field 'tenant' is required");
            }

            var placement = CanaryPlacement.Document;
            if (request.Placement is { Length: > 0 } p && !Enum.TryParse(p.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out placement))
            {
                return Problems.Create(400, "Invalid canary request", $"field 'placement' must be one of {string.Join(", ", Enum.GetNames<CanaryPlacement>())}, got '{p}'");
            }

            var canary = scanner.Canaries.Mint(request.Tenant, placement);
            await store.SaveAsync(canary, ct).ConfigureAwait(false);
            return Results.Json(new CanaryView(canary.Token, canary.Tenant, canary.Placement.ToString()), ServerJsonContext.Default.CanaryView, statusCode: 201);
        });
        canaries.MapGet(string.Empty, (ICanaryStore store) =>
            Results.Json(store.LoadAll().Select(c => new CanaryView(c.Token, c.Tenant, c.Placement.ToString())).ToList(), ServerJsonContext.Default.ListCanaryView));
    }
}

/// <summary>Request to mint a canary.</summary>
public sealed record CanaryRequest(string? Tenant, string? Placement);

/// <summary>A minted canary.</summary>
public sealed record CanaryView(string Token, string Tenant, string Placement);
