using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.InteropServices;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Quell.Ingest;
using Quell.Mitigations;

namespace Quell.Server;

/// <summary>
/// /metrics: Quell's own meter and ASP.NET Core's HTTP server and Kestrel meters, exported in Prometheus text by the
/// OpenTelemetry exporter under the metric names Quell has always used (no scope label, counters ending in _total).
/// </summary>
public static class QuellMetrics
{
    /// <summary>Meters whose instruments /metrics shows: Quell's, and the HTTP server's (request duration, active requests, connections).</summary>
    public static readonly string[] Meters = [IngestMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

    public static IServiceCollection AddQuellMetrics(this IServiceCollection services)
    {
        var (version, _) = BuildVersion();
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("quell", serviceVersion: version))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters);
                metrics.AddPrometheusExporter(o =>
                {
                    // Every scrape sees the figures of that moment, and series keep the labels they had before the exporter.
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                    o.ScopeInfoEnabled = false;
                });

                // Meters are process-wide: only this host's instruments (made by its own IMeterFactory) are exported,
                // so two servers in one process (tests, the demo) never show each other's figures.
                ((IDeferredMeterProviderBuilder)metrics).Configure((sp, builder) =>
                {
                    var factory = sp.GetRequiredService<IMeterFactory>();
                    builder.AddView(i => ReferenceEquals(i.Meter.Scope, factory) ? null : MetricStreamConfiguration.Drop);
                });
            });
        services.AddSingleton(sp => new IngestMetrics(sp.GetRequiredService<IMeterFactory>()));
        return services;
    }

    /// <summary>Maps /metrics and adds the gauges that read other services (build info, active mitigations).</summary>
    public static IEndpointConventionBuilder MapQuellMetrics(this WebApplication app)
    {
        // The provider must listen before the first instrument records, or the first measurements are lost.
        _ = app.Services.GetRequiredService<MeterProvider>();
        var meter = app.Services.GetRequiredService<IngestMetrics>().Meter;
        var (version, commit) = BuildVersion();
        meter.CreateObservableGauge(
            "quell_build_info",
            () => new Measurement<long>(1, new KeyValuePair<string, object?>("version", version), new KeyValuePair<string, object?>("commit", commit), new KeyValuePair<string, object?>("runtime", RuntimeInformation.FrameworkDescription)),
            description: "Always 1; the labels say which Quell build runs on which .NET.");
        var mitigations = new Lazy<MitigationControlPlane?>(() => app.Services.GetService<MitigationControlPlane>());
        meter.CreateObservableGauge("quell_mitigations_active", () => ActiveMitigations(mitigations.Value), "{mitigation}", "Mitigations in force now, by kind (rollback, disable, fallback, rate limit, …).");
        return app.MapPrometheusScrapingEndpoint("/metrics");
    }

    private static IEnumerable<Measurement<long>> ActiveMitigations(MitigationControlPlane? plane)
    {
        var active = plane?.Open.Where(m => m.State == MitigationState.Active).CountBy(m => m.Kind).ToDictionary() ?? [];
        return Enum.GetValues<MitigationKind>().Select(k => new Measurement<long>(active.GetValueOrDefault(k), new KeyValuePair<string, object?>("kind", System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(k.ToString()))));
    }

    private static (string Version, string Commit) BuildVersion()
    {
        var informational = typeof(QuellMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, string.Empty) : (informational[..plus], informational[(plus + 1)..]);
    }
}
