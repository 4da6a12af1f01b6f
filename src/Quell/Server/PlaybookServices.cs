using Microsoft.Extensions.DependencyInjection.Extensions;
using Quell.Configuration;
using Quell.Mitigations;
using Quell.Playbook;
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
        services.AddSingleton<IMitigationStore, SqliteMitigationStore>();
        services.AddSingleton(sp => new MitigationControlPlane(
            sp.GetRequiredService<IMitigationStore>(),
            sp.GetRequiredService<IIncidentTimeline>(),
            time,
            new MitigationControlOptions { DefaultExpiry = config.Playbook.DefaultMitigationExpiry }));
        services.AddHostedService<AutoMitigationService>();
        return services;
    }

    public static IEndpointRouteBuilder MapPlaybook(this IEndpointRouteBuilder app)
    {
        app.MapMitigations();
        return app;
    }
}
