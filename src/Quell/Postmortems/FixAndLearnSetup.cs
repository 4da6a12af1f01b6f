using Quell.Configuration;
using Quell.Evals;
using Quell.Incidents;
using Quell.Postmortems;
using Quell.Recurrence;
using Quell.Scanning;
using Quell.Server.Evals;
using Quell.Storage.Sqlite;

namespace Quell.Server.Postmortems;

/// <summary>Wires phases 4 and 5 of the playbook: evals and verification, the recurrence watch, post-mortems and incident memory.</summary>
public static class FixAndLearnSetup
{
    public static IServiceCollection AddFixAndLearn(this IServiceCollection services, QuellConfig config, TimeProvider time)
    {
        services.AddSingleton(sp => new EvalHttpClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(Server.OutboundHttp.Evals)));
        services.AddSingleton(sp => new EvalTargetClient(sp.GetRequiredService<EvalHttpClient>().Client));
        services.AddSingleton(sp =>
        {
            var client = sp.GetRequiredService<EvalTargetClient>();
            var judge = config.Evals.Judge is { Url.Length: > 0 } j ? new HttpLlmJudge(client, j) : null;
            return new EvalGrader(sp.GetRequiredService<ContentScanner>(), judge);
        });
        services.AddSingleton(sp => new EvalService(
            sp.GetRequiredService<IEvalStore>(),
            sp.GetRequiredService<Quell.Storage.IQualityLog>(),
            sp.GetRequiredService<Quell.Storage.ICallLog>(),
            sp.GetRequiredService<IIncidentStore>(),
            sp.GetRequiredService<Server.Incidents.IncidentService>(),
            sp.GetService<Quell.Storage.IAlertStore>(),
            sp.GetRequiredService<EvalGrader>(),
            sp.GetRequiredService<EvalTargetClient>(),
            config,
            time));
        services.AddSingleton(sp => new VerificationGate(sp.GetRequiredService<EvalService>()));
        services.AddSingleton(_ => new RecurrenceWatch(config.Recurrence));
        services.AddSingleton<IRecurrenceWatch>(sp => sp.GetRequiredService<RecurrenceWatch>());
        services.AddSingleton(sp => new PostmortemService(
            sp.GetRequiredService<IPostmortemStore>(),
            sp.GetRequiredService<IIncidentStore>(),
            sp.GetRequiredService<Quell.Storage.ICallLog>(),
            sp.GetRequiredService<Server.Incidents.IncidentService>(),
            sp.GetRequiredService<RecurrenceWatch>(),
            config,
            time,
            sp.GetService<ILogger<PostmortemService>>()));
        services.AddSingleton(sp => new EvalScheduler(sp.GetRequiredService<EvalService>(), config, time, sp.GetService<ILogger<EvalScheduler>>()));
        services.AddHostedService(sp => sp.GetRequiredService<EvalScheduler>());
        services.AddSingleton(sp => new PostmortemWorker(sp.GetRequiredService<PostmortemService>(), sp.GetRequiredService<IIncidentStore>(), sp.GetRequiredService<RecurrenceWatch>(), config, time, sp.GetService<ILogger<PostmortemWorker>>()));
        services.AddHostedService(sp => sp.GetRequiredService<PostmortemWorker>());
        return services;
    }

    /// <summary>
    /// Adds the verification gate and the post-mortem observer to the incident service. They use the incident service
    /// themselves, so they join it once the container has built all three rather than through its constructor.
    /// </summary>
    public static void ConnectToIncidents(IServiceProvider services)
    {
        var hooks = services.GetRequiredService<Server.Incidents.IncidentHookRegistry>();
        hooks.Add(services.GetRequiredService<VerificationGate>());
        hooks.Add(services.GetRequiredService<PostmortemService>());
    }

    public static IEndpointRouteBuilder MapFixAndLearn(this IEndpointRouteBuilder app) => app.MapEvalSuites().MapPostmortems();
}

/// <summary>One HttpClient for eval targets and the judge, with per-attempt and overall timeouts (see OutboundHttp).</summary>
public sealed class EvalHttpClient(HttpClient client) : IDisposable
{
    public HttpClient Client { get; } = client;

    public void Dispose() => Client.Dispose();
}
