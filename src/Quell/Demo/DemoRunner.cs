using System.Diagnostics;
using System.Net;
using Quell.Calls;
using Quell.Ingest;
using Quell.Server;
using Quell.Server.Evals;
using Quell.Server.Incidents;
using Quell.Server.Notifications;
using Quell.Server.Postmortems;
using Quell.Simulation;
using Quell.Storage;

namespace Quell.Demo;

/// <summary>
/// Starts a Quell server in-process on a temporary store, drives the simulated application through simulated
/// time and sends every call through the real HTTP ingest path.
/// </summary>
public sealed class DemoRunner(DemoOptions options, IDemoProgress progress)
{
    public async Task<DemoReport> RunAsync(CancellationToken cancellationToken)
    {
        var sim = new SimulationOptions { Seed = options.Seed, Duration = options.Duration, RequestsPerSecond = options.RequestsPerSecond };
        var clock = new SimulationClock(sim.Start);
        var dataDir = options.OutputDirectory ?? Path.Combine(Path.GetTempPath(), $"quell-demo-{options.Seed}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dataDir);

        await using var application = await DemoApplication.StartAsync(cancellationToken).ConfigureAwait(false);
        application.Clock = clock;

        // The demo holds its own admin key, as an operator's automation would (QUELL_ADMIN_KEY).
        var adminKey = Security.ApiKeySecret.New();
        var app = QuellServer.Build(new QuellServerOptions
        {
            AdminKey = adminKey,
            Urls = options.Urls,
            DataDirectory = dataDir,
            Time = clock,
            Config = DemoOnCall.Config(application.ChatUrl),

            // Simulated time follows the data; the detectors must not run ahead of calls still in flight.
            Detection = new Server.Detection.DetectionServiceOptions { LiveAdvanceLag = null },
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var http = new HttpClient { BaseAddress = app.BoundAddress(), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
            var canaries = await MintCanariesAsync(http, cancellationToken).ConfigureAwait(false);
            var scenarios = ScenarioCatalog.Create(options.Scenarios, sim, canaries);
            application.Use(scenarios);
            progress.Started(sim, scenarios, app.BoundAddress());
            options.ConsoleReady?.Invoke(new Uri(app.BoundAddress(), "/incidents"), MintKey(app, "console", Security.Scopes.Read, Security.Scopes.ReadContent, Security.Scopes.Respond, Security.Scopes.Mitigate));
            var incidents = app.Services.GetRequiredService<Server.Incidents.IncidentService>();
            var responder = new DemoResponder(incidents, progress, at => scenarios.Any(s => s.Name == "latency_spike" && at >= s.Onset && at < s.Onset.AddHours(6)));
            var detection = app.Services.GetRequiredService<Server.Detection.DetectionService>();
            var probes = app.Services.GetRequiredService<Server.Isolation.IsolationProbeService>();
            var team = new DemoTeam(incidents, app.Services.GetRequiredService<Server.Evals.EvalService>(), app.Services.GetRequiredService<Server.Postmortems.PostmortemService>(), scenarios, application.BaseUrl, dataDir, progress);
            await using var obedient = new DemoObedientApp(app.BoundAddress(), clock, MintKey(app, "demo-app", Security.Scopes.Ingest, Security.Scopes.Read));
            team.Tools = new DemoTeam.Playbook(
                app.Services.GetRequiredService<Runbooks.RunbookRunner>(),
                app.Services.GetRequiredService<Investigation.IInvestigationSource>(),
                app.Services.GetRequiredService<Mitigations.MitigationControlPlane>(),
                app.Services.GetRequiredService<IAlertStore>(),
                obedient);
            responder.Team = team;
            var simulator = new AppSimulator(sim, scenarios) { Admit = obedient.Admit };
            application.Admit = (feature, tenant) => obedient.AdmitRequest(feature, tenant, $"{tenant}-probe", application.NextTraceId());
            var figures = await DriveAsync(simulator, clock, http, sim, responder, detection, probes, cancellationToken).ConfigureAwait(false);

            // Let the detectors close the simulated span.
            await detection.AdvanceToAsync(sim.Start + sim.Duration, cancellationToken).ConfigureAwait(false);
            var alerts = await app.Services.GetRequiredService<IAlertStore>().QueryAsync(new AlertQuery(Limit: 10_000), cancellationToken).ConfigureAwait(false);
            var (outcomes, falseAlarms) = ScenarioEvaluator.Evaluate(scenarios, alerts, sim.Start + sim.Duration);
            foreach (var o in outcomes)
            {
                progress.Note(o.DetectedAt ?? o.Onset, o.Detected
                    ? $"detected {o.Name} after {o.DelaySeconds:0}s: {o.Attribution}"
                    : $"MISSED {o.Name}");
            }

            await responder.ActAsync(clock.GetUtcNow().AddHours(1), cancellationToken).ConfigureAwait(false);
            var demoIncidents = await DemoIncidents.CollectAsync(incidents, app.Services.GetRequiredService<Server.Notifications.RecordingChannel>(), cancellationToken).ConfigureAwait(false);
            outcomes = DemoIncidents.Attach(outcomes, demoIncidents, team.Fixed);
            outcomes = DemoIncidents.AttachMitigations(outcomes, scenarios, team.Mitigated, demoIncidents);
            var log = app.Services.GetRequiredService<ICallLog>();
            var report = await BuildReportAsync(log, sim, scenarios, figures, dataDir, cancellationToken).ConfigureAwait(false);
            report = report with
            {
                Scenarios = outcomes,
                FalseAlarms = falseAlarms,
                Alerts = alerts.Count,
                Incidents = demoIncidents,
                Ingest = report.Ingest with { PagerDutyEvents = application.PagerDutyEvents, SlackMessages = application.SlackMessages },
            };

            // --serve: the server (and its console) stays up on the simulated fortnight until the user stops it.
            if (options.Serve is { } serve)
            {
                await serve(report, app.BoundAddress(), cancellationToken).ConfigureAwait(false);
            }

            return report;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IngestFigures> DriveAsync(AppSimulator simulator, SimulationClock clock, HttpClient http, SimulationOptions sim, DemoResponder responder, Server.Detection.DetectionService detection, Server.Isolation.IsolationProbeService probes, CancellationToken ct)
    {
        var wall = Stopwatch.StartNew();
        var nextProbe = sim.Start.AddHours(1);

        // Lockstep: a batch is durable, the detectors have seen it, the clock moves to its end, the team reacts.
        var sender = new DemoSender(http, options.BatchSize, async lastTimestamp =>
        {
            // The batch is durable at its last call's time; the detectors then see it and incidents open "now".
            clock.AdvanceTo(lastTimestamp);
            await detection.CatchUpAsync(ct).ConfigureAwait(false);
            while (lastTimestamp >= nextProbe)
            {
                // The isolation probes run every two simulated hours against the simulated app's endpoint.
                var failed = (await probes.RunOnceAsync(ct).ConfigureAwait(false)).Where(r => !r.Passed).ToList();
                foreach (var f in failed)
                {
                    progress.Note(lastTimestamp, $"isolation probe as {f.Tenant} FAILED: {f.Evidence}");
                }

                nextProbe = nextProbe.AddHours(2);
            }

            await responder.ActAsync(lastTimestamp, ct).ConfigureAwait(false);
        });
        var lastReport = sim.Start;
        foreach (var e in simulator.Run())
        {
            ct.ThrowIfCancellationRequested();
            await sender.AddAsync(e, ct).ConfigureAwait(false);
            if (e.Timestamp - lastReport >= TimeSpan.FromMinutes(10))
            {
                lastReport = e.Timestamp;
                progress.Advanced(e.Timestamp, sender.CallsSent, sender.Accepted);
                if (options.Speed > 0)
                {
                    var due = TimeSpan.FromSeconds((e.Timestamp - sim.Start).TotalSeconds / options.Speed);
                    if (due > wall.Elapsed)
                    {
                        await Task.Delay(due - wall.Elapsed, ct).ConfigureAwait(false);
                    }
                }
            }
        }

        await sender.FinishAsync(ct).ConfigureAwait(false);
        clock.AdvanceTo(sim.Start + sim.Duration);
        progress.Advanced(sim.Start + sim.Duration, sender.CallsSent, sender.Accepted);
        var seconds = wall.Elapsed.TotalSeconds;
        return new IngestFigures(sender.CallsSent, sender.Accepted, sender.Rejected, sender.FeedbackSent, sender.EvalsSent, sender.ChangesSent, Math.Round(seconds, 2), Math.Round(sender.CallsSent / Math.Max(seconds, 1e-3)));
    }

    /// <summary>A least-privilege key for one of the demo's clients.</summary>
    private static string MintKey(WebApplication app, string name, params string[] scopes) =>
        app.Services.GetRequiredService<Security.ApiKeyService>().Create(new Security.ApiKeyRequest(name, scopes), "demo").Secret;

    private static async Task<IReadOnlyList<(string Tenant, string Token)>> MintCanariesAsync(HttpClient http, CancellationToken ct)
    {
        var minted = new List<(string, string)>();
        foreach (var tenant in (string[])["globex", "initech", "umbrella"])
        {
            using var response = await http.PostAsJsonAsync("/api/v1/canaries", new CanaryRequest(tenant, "document"), ServerJsonContext.Default.CanaryRequest, ct).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var canary = await response.Content.ReadFromJsonAsync(ServerJsonContext.Default.CanaryView, ct).ConfigureAwait(false);
            minted.Add((tenant, canary!.Token));
        }

        return minted;
    }

    private static async Task<DemoReport> BuildReportAsync(ICallLog log, SimulationOptions sim, IReadOnlyList<IScenario> scenarios, IngestFigures figures, string dataDir, CancellationToken ct)
    {
        static IReadOnlyList<UsageLine> Lines(IReadOnlyList<UsageSummary> rows) =>
            rows.Select(r => new UsageLine(r.Key ?? "(none)", r.Calls, r.Errors, r.InputTokens, r.OutputTokens, Math.Round(r.CostUsd, 4))).ToList();

        var byFeature = await log.SummarizeAsync("feature", cancellationToken: ct).ConfigureAwait(false);
        var byModel = await log.SummarizeAsync("model", cancellationToken: ct).ConfigureAwait(false);
        var byTenant = await log.SummarizeAsync("tenant", cancellationToken: ct).ConfigureAwait(false);
        return new DemoReport
        {
            Seed = sim.Seed,
            Simulated = new SimulatedSpan(sim.Start, sim.Start + sim.Duration),
            Calls = byFeature.Sum(r => r.Calls),
            CostUsd = Math.Round(byFeature.Sum(r => r.CostUsd), 2),
            InputTokens = byFeature.Sum(r => r.InputTokens),
            OutputTokens = byFeature.Sum(r => r.OutputTokens),
            UnpricedCalls = byFeature.Sum(r => r.UnpricedCalls),
            ByFeature = Lines(byFeature),
            ByModel = Lines(byModel),
            ByTenant = Lines(byTenant),
            Ingest = figures,
            DataDirectory = dataDir,
        };
    }
}
