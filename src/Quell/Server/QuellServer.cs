using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Pricing;
using Quell.Response;
using Quell.Security;
using Quell.Server.Incidents;
using Quell.Server.Postmortems;
using Quell.Server.Storage;
using Quell.Storage;
using Quell.Storage.Sqlite;
using Quell.Telemetry;

namespace Quell.Server;

/// <summary>How to start a Quell server: where it listens, where it keeps data, what clock it reads.</summary>
public sealed record QuellServerOptions
{
    public string Urls { get; init; } = "http://127.0.0.1:4318";
    /// <summary>Local files (post-mortem markdown, and quell.db when no PostgreSQL is configured).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>A PostgreSQL connection string; when set, every store lives in that database instead of SQLite.</summary>
    public string? Postgres { get; init; }
    public QuellConfig Config { get; init; } = new();
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How the detectors follow the logs; the demo lets time follow the data only.</summary>
    public Server.Detection.DetectionServiceOptions Detection { get; init; } = new();

    /// <summary>Detector partition lease time to live on a shared PostgreSQL (the failover time when an instance dies).</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Lets tests and the demo silence request logging.</summary>
    public bool QuietLogging { get; init; } = true;

    /// <summary>An admin key secret to register at start (QUELL_ADMIN_KEY); tests and the demo mint their own.</summary>
    public string? AdminKey { get; init; }

    /// <summary>Shows the admin key created on a first start without <see cref="AdminKey"/>; default: stderr.</summary>
    public Action<string>? AdminKeyCreated { get; init; }
    /// <summary>False when the caller reports a failed start itself (the CLI prints one line instead of the host's stack trace).</summary>
    public bool LogStartFailure { get; init; } = true;

    /// <summary>Lets functional tests hold the ingest writer to fill the queue without timing; null in a real server.</summary>
    public IngestWriteGate? IngestWriteGate { get; init; }
}

/// <summary>Builds and runs the Quell web host: ingest, queries, health and metrics over one storage provider (SQLite or PostgreSQL).</summary>
public static class QuellServer
{
    public static WebApplication Build(QuellServerOptions options, string[]? args = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        builder.WebHost.UseUrls(options.Urls);
        if (options.Config.Security.Tls is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            // The decompressed cap is enforced while reading; this one bounds what arrives on the wire.
            k.Limits.MaxRequestBodySize = options.Config.Limits.MaxBodyBytes;
            k.AddServerHeader = false;
            if (options.Config.Security.Tls is { } tls)
            {
                var certificate = TlsCertificates.Load(tls);
                k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
            }
        });
        // Logs go to stderr so that stdout stays clean for machine-readable output (demo --json).
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (options.QuietLogging)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }

        var started = new StrongBox<bool>();
        if (!options.LogStartFailure)
        {
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level < LogLevel.Error || started.Value);
        }

        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJsonContext.Default));
        builder.Services.AddProblemDetails();
        AddQuell(builder.Services, options);

        var app = builder.Build();
        app.Lifetime.ApplicationStarted.Register(() => started.Value = true);
        // A request Kestrel itself refuses mid-read (body over the wire cap, client gone) is the client's error, not a 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex is Microsoft.AspNetCore.Http.BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseQuellSecurity(options.Config.Security);
        if (app.Services.GetRequiredService<ApiKeyService>().EnsureAdmin(options.AdminKey) is { } created)
        {
            (options.AdminKeyCreated ?? (key => Console.Error.WriteLine($"quell: first start: admin API key {key} (shown once; store it now)")))(created);
        }

        // Unauthenticated requests are refused before a body is admitted or read.
        app.UseMiddleware<BodyAdmission>();
        app.MapGet("/healthz", (IngestQueue queue) => queue.IsFaulted
            ? Results.Json(new Dictionary<string, string> { ["status"] = "unhealthy", ["reason"] = "ingest writer stopped" }, statusCode: 503)
            : Results.Json(new Dictionary<string, string> { ["status"] = "ok" })).AllowAnonymous();
        var metricsRoute = app.MapQuellMetrics();
        if (options.Config.Security.AnonymousMetrics)
        {
            metricsRoute.AllowAnonymous();
        }
        else
        {
            metricsRoute.RequireScope(Scopes.Read);
        }

        app.MapIngest();
        app.MapCallQueries();
        app.MapChanges();
        app.MapCanaries();
        app.MapQualityInputs();
        app.MapAlerts();
        app.MapIncidents();
        Isolation.IsolationEndpoints.MapIsolationProbes(app);
        var bridge = new Incidents.AlertIncidentBridge(app.Services.GetRequiredService<Incidents.IncidentService>(), app.Services.GetRequiredService<ICallLog>());
        app.Services.GetRequiredService<Server.Detection.DetectionService>().Subscribe(bridge.OnAlertAsync);
        Postmortems.FixAndLearnSetup.ConnectToIncidents(app.Services);
        Postmortems.FixAndLearnSetup.MapFixAndLearn(app);
        app.MapPlaybook();
        WebConsole.ConsoleEndpoints.MapConsole(app);
        app.MapSecurity();
        app.Lifetime.ApplicationStopping.Register(() => app.Services.GetRequiredService<IngestQueue>().DisposeAsync().AsTask().GetAwaiter().GetResult());
        return app;
    }

    private static void AddQuell(IServiceCollection services, QuellServerOptions options)
    {
        var config = options.Config;
        services.AddSingleton(options);
        services.AddSingleton(config);
        services.AddSingleton(options.Time);
        services.AddQuellSecurity(config.Security);
        services.AddStorage(new StorageOptions(options.DataDirectory, options.Postgres, options.Time)
        {
            // A live dispatcher always finishes its attempt before the claim lapses and another instance may retry it.
            OutboxClaimLease = config.Incidents.Delivery.AttemptTimeout + TimeSpan.FromSeconds(20),
            LeaseTtl = options.LeaseTtl,
        });
        services.AddSingleton(_ => new Quell.Detection.DetectionEngine(config.Detection, options.Time));
        services.AddSingleton(options.Detection);
        services.AddSingleton(_ => new Quell.Detection.ContentFindingsMonitor(config.ContentAlerts));
        services.AddSingleton<Server.Detection.DetectionService>();
        services.AddHostedService(sp => sp.GetRequiredService<Server.Detection.DetectionService>());
        services.AddQuellMetrics();
        services.AddSingleton(_ => new BodyBudget(config.Limits.MaxConcurrentBodies, config.Limits.MaxBytesInFlight));
        services.AddHostedService(sp => new BurstMemoryTrimmer(sp.GetRequiredService<BodyBudget>(), TimeProvider.System));
        services.AddSingleton(_ => PriceTable.Create(config.Prices));
        services.AddSingleton(sp => new CallPreparer(config.ContentPolicyOf, sp.GetRequiredService<PriceTable>()));
        services.AddSingleton(sp => new IngestQueue(sp.GetRequiredService<ICallLog>(), config.Queue, sp.GetRequiredService<IngestMetrics>(), options.IngestWriteGate));
        services.AddSingleton(_ => new Validation.InputValidator(config.Limits));
        services.AddSingleton(sp => new NativeCallDecoder(config.Limits, options.Time, sp.GetRequiredService<Validation.InputValidator>().Call));
        services.AddSingleton(sp => new GenAiSpanMapper(config.Attributes, config.Limits, options.Time));
        services.AddSingleton(sp =>
        {
            var signals = new OtlpSignalMetrics();
            signals.Publish(sp.GetRequiredService<IngestMetrics>().Meter);
            return signals;
        });
        services.AddSingleton(sp => new LogContentJoin(config.OtlpLogs, options.Time, sp.GetRequiredService<OtlpSignalMetrics>()));
        services.AddSingleton(sp =>
        {
            var scanner = new Scanning.ContentScanner(config.Scanning);
            foreach (var canary in sp.GetRequiredService<Scanning.Canaries.ICanaryStore>().LoadAll())
            {
                scanner.Canaries.Register(canary);
            }

            return scanner;
        });
        services.AddSingleton(sp => new Scanning.CallScanner(sp.GetRequiredService<Scanning.ContentScanner>(), feature => config.FeatureOrDefault(feature).Scan, feature => config.FeatureOrDefault(feature).Entities));
        services.AddSingleton<IngestService>();
        services.AddSingleton<Response.IIncidentTimeline>(sp => new Incidents.IncidentTimelineAdapter(sp.GetRequiredService<Incidents.IncidentService>()));
        services.AddIncidents(config, options.Time);
        Isolation.IsolationEndpoints.AddIsolationProbes(services, config, options.Time);
        Postmortems.FixAndLearnSetup.AddFixAndLearn(services, config, options.Time);
        services.AddHostedService(sp => new RetentionService(sp.GetRequiredService<ICallLog>(), config, options.Time));
        services.AddPlaybook(config, options.Time);
        WebConsole.ConsoleEndpoints.AddConsole(services);
    }

    /// <summary>The first address Kestrel bound, e.g. after asking for port 0.</summary>
    public static Uri BoundAddress(this WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }
}
