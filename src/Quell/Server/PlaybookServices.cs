using Microsoft.Extensions.DependencyInjection.Extensions;
using Quell.Configuration;
using Quell.Investigation;
using Quell.Mitigations;
using Quell.Response;
using Quell.Runbooks;
using Quell.Server.Playbook;
using Quell.Storage;
using Quell.Storage.Sqlite;

namespace Quell.Server;

/// <summary>Registers and maps the playbook: mitigations control plane, investigation, replay and runbooks.</summary>
public static class PlaybookServices
{
    public static IServiceCollection AddPlaybook(this IServiceCollection services, QuellConfig config, TimeProvider time)
    {
        services.AddSingleton(config.Playbook);

        // Incidents register the real timeline; until then playbook reports go nowhere.
        services.TryAddSingleton<IIncidentTimeline>(NullIncidentTimeline.Instance);
        services.AddSingleton(sp => new MitigationControlPlane(
            sp.GetRequiredService<IMitigationStore>(),
            sp.GetRequiredService<IIncidentTimeline>(),
            time,
            new MitigationControlOptions { DefaultExpiry = config.Playbook.DefaultMitigationExpiry }));
        services.AddHostedService<AutoMitigationService>();
        services.AddSingleton(_ => new SharedLedger(time));

        // One client for outbound calls to status pages and replay targets, with per-attempt and overall timeouts.
        services.AddOutboundHttp(config);
        services.AddSingleton(sp => new PlaybookHttp(sp.GetRequiredService<IHttpClientFactory>().CreateClient(OutboundHttp.Playbook)));
        services.AddSingleton(sp => new VendorStatusReader(config.Playbook, sp.GetRequiredService<PlaybookHttp>().Client));
        services.AddSingleton<IInvestigationSource>(sp => new InvestigationService(
            sp.GetRequiredService<ICallLog>(),
            sp.GetRequiredService<IChangeLog>(),
            sp.GetRequiredService<IQualityLog>(),
            sp.GetRequiredService<VendorStatusReader>(),
            config.Playbook,
            time));
        services.AddSingleton(sp => new ReplayService(
            sp.GetRequiredService<ICallLog>(),
            sp.GetRequiredService<IAlertStore>(),
            sp.GetRequiredService<Scanning.ContentScanner>(),
            sp.GetRequiredService<PlaybookHttp>().Client,
            time) { Deadline = config.Playbook.ReplayDeadline });
        services.AddSingleton(sp => new RunbookRunner(
            new RunbookCatalog(config.Runbooks),
            sp.GetRequiredService<IInvestigationSource>(),
            sp.GetRequiredService<MitigationControlPlane>(),
            sp.GetRequiredService<IIncidentTimeline>()));
        return services;
    }

    public static IEndpointRouteBuilder MapPlaybook(this IEndpointRouteBuilder app)
    {
        app.MapMitigations();
        app.MapLedger();
        app.MapWhoAmI();
        app.MapInvestigations();
        app.MapRunbooks();
        return app;
    }
}

/// <summary>The playbook's outbound HTTP client, owned by the container so it is disposed with the host.</summary>
public sealed class PlaybookHttp(HttpClient client) : IDisposable
{
    public HttpClient Client { get; } = client;

    public void Dispose() => Client.Dispose();
}
