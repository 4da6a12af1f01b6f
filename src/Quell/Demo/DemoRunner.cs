using System.Diagnostics;
using System.Net;
using Quell.Calls;
using Quell.Ingest;
using Quell.Server;
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

        var app = QuellServer.Build(new QuellServerOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = dataDir,
            Time = clock,

            // Simulated time follows the data; the detectors must not run ahead of calls still in flight.
            Detection = new Server.Detection.DetectionServiceOptions { LiveAdvanceLag = null },
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var http = new HttpClient { BaseAddress = app.BoundAddress(), Timeout = TimeSpan.FromMinutes(5) };
            var canaries = await MintCanariesAsync(http, cancellationToken).ConfigureAwait(false);
            var scenarios = ScenarioCatalog.Create(options.Scenarios, sim, canaries);
            progress.Started(sim, scenarios, app.BoundAddress());
            var figures = await DriveAsync(new AppSimulator(sim, scenarios), clock, http, sim, cancellationToken).ConfigureAwait(false);
            var log = app.Services.GetRequiredService<ICallLog>();
            return await BuildReportAsync(log, sim, scenarios, figures, dataDir, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IngestFigures> DriveAsync(AppSimulator simulator, SimulationClock clock, HttpClient http, SimulationOptions sim, CancellationToken ct)
    {
        var wall = Stopwatch.StartNew();
        var batch = new List<CallRecord>(options.BatchSize);
        var inFlight = new List<Task<(int Accepted, int Rejected)>>();
        long sent = 0, accepted = 0, rejected = 0, feedback = 0, evals = 0, changes = 0;
        var lastReport = sim.Start;

        async Task FlushAsync()
        {
            if (batch.Count == 0)
            {
                return;
            }

            var calls = batch.ToArray();
            batch.Clear();
            sent += calls.Length;
            inFlight.Add(PostCallsAsync(http, calls, ct));

            // Two requests in flight keep the writer's group commit busy without reordering time much.
            if (inFlight.Count >= 2)
            {
                var done = await Task.WhenAny(inFlight).ConfigureAwait(false);
                inFlight.Remove(done);
                var (a, r) = await done.ConfigureAwait(false);
                accepted += a;
                rejected += r;
            }
        }

        foreach (var e in simulator.Run())
        {
            ct.ThrowIfCancellationRequested();
            clock.AdvanceTo(e.Timestamp);
            switch (e)
            {
                case SimulatedCall call:
                    batch.Add(call.Call);
                    if (batch.Count >= options.BatchSize)
                    {
                        await FlushAsync().ConfigureAwait(false);
                    }

                    break;
                case SimulatedFeedback:
                    feedback++;
                    break;
                case SimulatedEvalResult:
                    evals++;
                    break;
                case SimulatedChange:
                    changes++;
                    break;
            }

            if (e.Timestamp - lastReport >= TimeSpan.FromMinutes(10))
            {
                lastReport = e.Timestamp;
                progress.Advanced(e.Timestamp, sent + batch.Count, accepted);
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

        await FlushAsync().ConfigureAwait(false);
        foreach (var t in inFlight)
        {
            var (a, r) = await t.ConfigureAwait(false);
            accepted += a;
            rejected += r;
        }

        clock.AdvanceTo(sim.Start + sim.Duration);
        progress.Advanced(sim.Start + sim.Duration, sent, accepted);
        var seconds = wall.Elapsed.TotalSeconds;
        return new IngestFigures(sent, accepted, rejected, feedback, evals, changes, Math.Round(seconds, 2), Math.Round(sent / Math.Max(seconds, 1e-3)));
    }

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

    private static async Task<(int Accepted, int Rejected)> PostCallsAsync(HttpClient http, CallRecord[] calls, CancellationToken ct)
    {
        var body = CallRecordJsonWriter.ToNdjson(calls);
        for (var attempt = 0; ; attempt++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
            using var response = await http.PostAsync(new Uri("/api/v1/calls", UriKind.Relative), content, ct).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < 100)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var detail = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                throw new InvalidOperationException($"ingest refused a demo batch: HTTP {(int)response.StatusCode} {detail}");
            }

            var result = await response.Content.ReadFromJsonAsync(ServerJsonContext.Default.IngestResponse, ct).ConfigureAwait(false);
            return (result!.Accepted + result.Duplicates, result.Rejected);
        }
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
            Scenarios = scenarios.Select(s => new ScenarioOutcome { Name = s.Name, Category = s.Category, Onset = s.Onset, Description = s.Description }).ToList(),
            Ingest = figures,
            DataDirectory = dataDir,
        };
    }
}
