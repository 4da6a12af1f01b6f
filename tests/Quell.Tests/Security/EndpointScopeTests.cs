using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Security;
using Quell.Tests.Server;

namespace Quell.Tests.Security;

/// <summary>
/// Walks the server's whole endpoint table: every route declares a scope, and every route answers 401 without a key,
/// 403 with a key lacking its scope, and neither with a key holding exactly its scope.
/// </summary>
public sealed class EndpointScopeTests
{
    /// <summary>The only routes that may be reached without a key.</summary>
    // The console's pages and assets are a static shell holding no data; everything they show comes from the API with a key.
    private static readonly HashSet<string> Anonymous =
    [
        "GET /healthz", "GET /", "GET /assets/{name}", "GET /calls", "GET /calls/{id}", "GET /incidents", "GET /incidents/{id}", "GET /overview", "GET /signin",
    ];

    [Fact]
    public async Task EndpointTable_EveryRoute_DeclaresOneScope()
    {
        await using var server = await QuellTestServer.StartAsync();
        var missing = Routes(server)
            .Where(r => r.Scope is null && !Anonymous.Contains(r.Name))
            .Select(r => r.Name)
            .ToList();

        Assert.True(missing.Count == 0, $"""
            These routes declare no scope: {string.Join(", ", missing)}.
            Map each into a route group that requires the scope its callers need, e.g.
                var things = app.MapGroup("/api/v1/things").RequireScope(Scopes.Read);   // using Quell.Security;
            or, for one route of a mixed group, append .RequireScope(Scopes.Respond) to the route.
            Scopes: ingest (writes signals), read (figures and metadata), read:content (prompts, outputs, system prompts),
            respond (incident work), mitigate (mitigations), admin (keys, audit, canaries, configuration).
            Until then the route is admin-only (the fallback policy). See docs/security.md.
            """);
    }

    [Fact]
    public async Task EndpointTable_EveryRoute_RefusesMissingAndWrongKeys_AcceptsItsScope()
    {
        await using var server = await QuellTestServer.StartAsync();
        var anonymous = server.AnonymousClient();
        var byScope = Scopes.All.ToDictionary(s => s, s => server.ClientWith(s));
        var wrongByScope = Scopes.All.ToDictionary(s => s, s => server.ClientWith([.. Scopes.All.Where(o => !Scopes.Expand([o]).Contains(s))]));
        var failures = new List<string>();
        var checkedRoutes = 0;
        foreach (var route in Routes(server).Where(r => !Anonymous.Contains(r.Name) && r.Scope is not null))
        {
            checkedRoutes++;
            var none = await SendAsync(anonymous, route);
            if (none != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{route.Name} without a key: {(int)none}, expected 401");
            }

            if (route.Scope != Scopes.Admin)
            {
                var wrong = await SendAsync(wrongByScope[route.Scope!], route);
                if (wrong != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{route.Name} with every scope but {route.Scope}: {(int)wrong}, expected 403");
                }
            }

            var right = await SendAsync(byScope[route.Scope!], route);
            if (right is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                failures.Add($"{route.Name} with scope {route.Scope}: {(int)right}");
            }
        }

        Assert.True(checkedRoutes > 40, $"only {checkedRoutes} routes found");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task WrongScope_Forbidden_ProblemNamesTheMissingScope()
    {
        await using var server = await QuellTestServer.StartAsync();
        var reader = server.ClientWith(Scopes.Read);
        var response = await reader.PostAsync("/api/v1/mitigations", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("'mitigate'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    internal sealed record Route(string Method, string Pattern, string? Scope)
    {
        public string Name => $"{Method} {Pattern}";
    }

    /// <summary>Every route with its declared scope: the one scope policy in its metadata, route-level winning over the group's.</summary>
    internal static List<Route> Routes(QuellTestServer server)
    {
        var routes = new List<Route>();
        foreach (var endpoint in server.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var scopes = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Where(p => Scopes.Parse(p) == p).ToList();

            // Group and route scopes both apply; the one implying more (read:content over read) is the one a caller needs.
            var scope = scopes.Count == 0 ? null : scopes.OrderByDescending(s => Scopes.Expand([s]).Count).First();
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? string.Empty).Trim('/');
            foreach (var method in methods)
            {
                routes.Add(new Route(method, pattern, endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null ? null : scope));
            }
        }

        return routes.DistinctBy(r => r.Name).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, Route route)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(route.Pattern, "{[^}]+}", "probe");
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        if (route.Method is "POST" or "PUT")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        // Headers are enough, and streams (server-sent events) never end.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }
}
