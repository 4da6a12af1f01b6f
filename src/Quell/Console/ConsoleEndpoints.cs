using Microsoft.Extensions.DependencyInjection.Extensions;
using Quell.Incidents;
using Quell.Mitigations;
using Quell.Security;
using Quell.Server;
using Quell.Storage.Sqlite;

namespace Quell.WebConsole;

/// <summary>
/// The web console at <c>/</c>: the page shell and its hashed assets, plus /api/v1/console/* — the few read
/// endpoints the pages need beyond the public API (incident series, overview, session, event stream).
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>
    /// Scripts, styles and data only from this origin; no inline code, no framing, no plugins. The console
    /// needs nothing else, so anything injected into a page has nowhere to run or report to.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

    /// <summary>Client-side routes that answer with the page shell, so links from pages and chat open the console.</summary>
    public static readonly IReadOnlyList<string> PageRoutes = ["/", "/signin", "/incidents", "/incidents/{id}", "/overview", "/calls", "/calls/{id}"];

    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.TryAddSingleton(_ => ConsoleAssets.Load());
        services.AddSingleton(sp => new ConsoleSeriesCache(sp.GetRequiredService<IConsoleFigures>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ConsoleChangeFeed>();
        services.AddSingleton<IIncidentObserver>(sp => sp.GetRequiredService<ConsoleChangeFeed>());
        return services;
    }

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup(string.Empty).WithTags("console").AllowAnonymous();
        foreach (var route in PageRoutes)
        {
            pages.MapGet(route, ServePage).ExcludeFromDescription();
        }

        pages.MapGet("/assets/{name}", ServeAsset).ExcludeFromDescription();

        // Who am I needs only a valid key (the server's fallback policy); everything else reads figures.
        app.MapGet("/api/v1/console/session", Session).WithTags("console").RequireScope(Security.Scopes.Read);
        var api = app.MapGroup("/api/v1/console").WithTags("console").RequireScope(Security.Scopes.Read);

        // Charts and the overview add up every tenant's calls; the change feed carries only incident ids.
        api.MapGet("/incidents/{id}/series", ConsoleQueries.IncidentSeriesAsync).RequireAllTenants();
        api.MapGet("/overview", ConsoleQueries.OverviewAsync).RequireAllTenants();
        api.MapGet("/events", EventsAsync);
        return app;
    }

    private static IResult ServePage(HttpContext http, ConsoleAssets assets)
    {
        if (assets.Index is not { } index)
        {
            return Problems.Create(404, "Not found", "this build of quell has no web console");
        }

        SecurityHeaders(http.Response);
        http.Response.Headers.CacheControl = "no-cache";
        return Send(http, index);
    }

    private static IResult ServeAsset(string name, HttpContext http, ConsoleAssets assets)
    {
        if (assets.Find("assets/" + name) is not { } asset)
        {
            return Problems.Create(404, "Not found", $"no console asset '{name}'");
        }

        SecurityHeaders(http.Response);

        // Names carry a content hash: a new build is a new name, so a browser may keep each file for good.
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return Send(http, asset);
    }

    private static IResult Send(HttpContext http, ConsoleAsset asset)
    {
        http.Response.Headers.ETag = asset.ETag;
        http.Response.Headers.Vary = "Accept-Encoding";
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        if (asset.Gzip is { } gz && http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            http.Response.Headers.ContentEncoding = "gzip";
            return Results.Bytes(gz, asset.ContentType);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }

    private static IResult Session(HttpContext http)
    {
        var user = http.User;
        if (user.Identity is { IsAuthenticated: true } identity)
        {
            var scopes = user.FindAll(Security.Scopes.ClaimType).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
            return Results.Json(new ConsoleSession(identity.Name ?? "unknown", scopes, true), ConsoleJson.Default.ConsoleSession);
        }

        // With API keys switched off (security.require_api_keys: false) every caller may do everything.
        return Results.Json(new ConsoleSession("anonymous", Security.Scopes.All.ToList(), false), ConsoleJson.Default.ConsoleSession);
    }

    /// <summary>
    /// Server-sent events: one "change" event whenever incidents or mitigations change, a comment every 15 s
    /// to keep proxies from closing the stream. Read with fetch so the key stays in a header.
    /// </summary>
    private static async Task EventsAsync(HttpContext http, ConsoleChangeFeed feed, MitigationControlPlane plane, IHostApplicationLifetime lifetime)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = stop.Token;
        var seen = feed.Version;
        var seenMitigations = plane.Current.Version;
        await Write(http, $"event: hello\ndata: {Json(new ConsoleEvent(seen, seenMitigations, []))}\n\n", ct).ConfigureAwait(false);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var incidentChange = feed.NextChange;
                var mitigationChange = plane.WaitForChangeAsync(seenMitigations, TimeSpan.FromSeconds(15), ct);
                if (feed.Version == seen)
                {
                    await Task.WhenAny(incidentChange, mitigationChange, Task.Delay(TimeSpan.FromSeconds(15), ct)).ConfigureAwait(false);
                }

                var version = feed.Version;
                var mitigations = plane.Current.Version;
                if (version == seen && mitigations == seenMitigations)
                {
                    await Write(http, ": keep-alive\n\n", ct).ConfigureAwait(false);
                    continue;
                }

                var ids = version != seen ? feed.LastIds : [];
                seen = version;
                seenMitigations = mitigations;
                await Write(http, $"event: change\ndata: {Json(new ConsoleEvent(version, mitigations, ids))}\n\n", ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The reader left or the server is stopping: the stream simply ends.
        }
    }

    private static string Json(ConsoleEvent e) => System.Text.Json.JsonSerializer.Serialize(e, ConsoleJson.Default.ConsoleEvent);

    private static async Task Write(HttpContext http, string text, CancellationToken ct)
    {
        await http.Response.WriteAsync(text, ct).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }
}
