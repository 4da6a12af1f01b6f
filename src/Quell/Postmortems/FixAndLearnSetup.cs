using Quell.Configuration;
using Quell.Evals;
using Quell.Incidents;
using Quell.Recurrence;
using Quell.Scanning;
using Quell.Storage.Sqlite;

namespace Quell.Postmortems;

/// <summary>Wires phases 4 and 5 of the playbook: evals and verification, the recurrence watch, post-mortems and incident memory.</summary>
public static class FixAndLearnSetup
{
    public static IServiceCollection AddFixAndLearn(this IServiceCollection services, QuellConfig config, TimeProvider time)
    {
        services.AddSingleton(sp => new SqliteEvalStore(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton(sp => new SqlitePostmortemStore(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton(sp => new EvalHttpClient(config.Evals.CaseTimeout, sp.GetRequiredService<Security.OutboundPolicy>().CreateHandler()));
        services.AddSingleton(sp => new EvalTargetClient(sp.GetRequiredService<EvalHttpClient>().Client));
        services.AddSingleton(sp =>
        {
            var client = sp.GetRequiredService<EvalTargetClient>();
            var judge = config.Evals.Judge is { Url.Length: > 0 } j ? new HttpLlmJudge(client, j) : null;
            return new EvalGrader(sp.GetRequiredService<ContentScanner>(), judge);
        });
        services.AddSingleton(sp => new EvalService(
            sp.GetRequiredService<SqliteEvalStore>(),
            sp.GetRequiredService<Storage.IQualityLog>(),
            sp.GetRequiredService<Storage.ICallLog>(),
            sp.GetRequiredService<IIncidentStore>(),
            sp,
            sp.GetRequiredService<EvalGrader>(),
            sp.GetRequiredService<EvalTargetClient>(),
            config,
            time));
        services.AddSingleton<IIncidentTransitionGate>(sp => new VerificationGate(sp));
        services.AddSingleton(_ => new RecurrenceWatch(config.Recurrence));
        services.AddSingleton<IRecurrenceWatch>(sp => sp.GetRequiredService<RecurrenceWatch>());
        services.AddSingleton(sp => new PostmortemService(
            sp.GetRequiredService<SqlitePostmortemStore>(),
            sp.GetRequiredService<IIncidentStore>(),
            sp.GetRequiredService<Storage.ICallLog>(),
            sp,
            sp.GetRequiredService<RecurrenceWatch>(),
            config,
            time,
            sp.GetService<ILogger<PostmortemService>>()));
        services.AddSingleton<IIncidentObserver>(sp => sp.GetRequiredService<PostmortemService>());
        services.AddSingleton(sp => new EvalScheduler(sp.GetRequiredService<EvalService>(), config, time, sp.GetService<ILogger<EvalScheduler>>()));
        services.AddHostedService(sp => sp.GetRequiredService<EvalScheduler>());
        services.AddSingleton(sp => new PostmortemWorker(sp.GetRequiredService<PostmortemService>(), sp.GetRequiredService<IIncidentStore>(), sp.GetRequiredService<RecurrenceWatch>(), config, time, sp.GetService<ILogger<PostmortemWorker>>()));
        services.AddHostedService(sp => sp.GetRequiredService<PostmortemWorker>());
        return services;
    }

    public static IEndpointRouteBuilder MapFixAndLearn(this IEndpointRouteBuilder app) => app.MapEvalSuites().MapPostmortems();
}

/// <summary>One HttpClient for eval targets and the judge, with the per-case timeout.</summary>
public sealed class EvalHttpClient(TimeSpan timeout, HttpMessageHandler handler) : IDisposable
{
    public HttpClient Client { get; } = new(handler) { Timeout = timeout };

    public void Dispose() => Client.Dispose();
}
