using Quell.Configuration;
using Quell.Isolation;
using Quell.Scanning;
using Quell.Security;
using Quell.Server.Detection;
using Quell.Storage.Sqlite;

namespace Quell.Server.Isolation;

/// <summary>GET /api/v1/isolation/results and POST /api/v1/isolation/run (a probe round now).</summary>
public static class IsolationEndpoints
{
    public static IServiceCollection AddIsolationProbes(this IServiceCollection services, QuellConfig config, TimeProvider time)
    {
        services.AddSingleton(config.IsolationProbes);
        services.AddSingleton(sp => new IsolationProber(config.IsolationProbes, sp.GetRequiredService<ContentScanner>(), new HttpClient(sp.GetRequiredService<OutboundPolicy>().CreateHandler()), time));
        services.AddSingleton(sp => new IsolationProbeService(
            sp.GetRequiredService<IsolationProber>(), config.IsolationProbes, sp.GetRequiredService<IIsolationProbeStore>(), sp.GetRequiredService<DetectionService>(), time, sp.GetRequiredService<ILogger<IsolationProbeService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<IsolationProbeService>());
        return services;
    }

    public static void MapIsolationProbes(this IEndpointRouteBuilder app)
    {
        // A key limited to tenants sees its tenants' probes, the names of tenants they leaked from replaced.
        app.MapGroup("/api/v1/isolation").RequireScope(Scopes.Read).MapGet("/results", async (System.Security.Claims.ClaimsPrincipal user, IsolationProbeService probes, CancellationToken ct) =>
        {
            var results = (await probes.ResultsAsync(500, ct).ConfigureAwait(false)).Where(r => TenantAccess.MayRead(user, r.Tenant)).ToList();
            return TenantView.Json(user, results, Quell.Storage.Sqlite.SqliteAlertStore.Json, results.SelectMany(r => r.LeakedFrom.Append(r.Tenant)));
        });
        app.MapGroup("/api/v1/isolation").RequireScope(Scopes.Respond).RequireAllTenants().MapPost("/run", async (IsolationProbeService probes, IsolationProber prober, CancellationToken ct) =>
            prober.Enabled
                ? Results.Json(await probes.RunOnceAsync(ct).ConfigureAwait(false), Quell.Storage.Sqlite.SqliteAlertStore.Json)
                : Problems.Create(409, "Isolation probes not configured", "set isolation_probes.target_url and isolation_probes.tenants in quell.yaml"));
    }
}
