using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Quell.Incidents;
using Quell.Server;
using Quell.Server.Incidents;
using Quell.Server.Postmortems;

namespace Quell.Benchmarks;

/// <summary>
/// Alert intake with many incidents open: preloads N open incidents of one alert family (the worst case for
/// similar-incident search), then sends new alerts through the Alertmanager webhook in batches and straight into
/// the incident service (the call the detectors' bridge makes per alert). Usage: alert-intake [--open N] [--alerts M].
/// </summary>
internal static class AlertIntake
{
    public static async Task<int> RunAsync(string[] args)
    {
        var open = Arg(args, "--open", 0);
        var alerts = Arg(args, "--alerts", 2000);
        var dir = Path.Combine(Path.GetTempPath(), "quell-alert-intake-" + Guid.NewGuid().ToString("N"));
        var adminKey = Security.ApiKeySecret.New();
        var app = QuellServer.Build(new QuellServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = dir, AdminKey = adminKey });
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            var incidents = app.Services.GetRequiredService<IncidentService>();
            var sw = Stopwatch.StartNew();

            // Preloaded straight into the store in large transactions (as a server restarted with that many open would
            // find them), then into the incident memory.
            var store = app.Services.GetRequiredService<IIncidentStore>();
            var now = DateTimeOffset.UtcNow;
            for (var start = 0; start < open; start += 1000)
            {
                var changes = Enumerable.Range(start, Math.Min(1000, open - start)).Select(i =>
                {
                    var s = Signal($"pre-{i}", i);
                    var incident = new Incident
                    {
                        Id = $"inc-pre-{i:D6}", Title = s.Summary, Summary = s.Summary, Category = s.Category, GroupKey = $"{s.Category}:svc-{i}", Source = s.Source,
                        Labels = IncidentManager.LabelsOf(s), DetectedAt = now, LastSignalAt = now, UpdatedAt = now,
                        Alerts = [new IncidentAlert(s.Fingerprint, s.AlertId, s.Category, s.Signal, SignalState.Firing, now, now, 1)],
                    };
                    return new IncidentChange(incident, true, [], []);
                }).ToList();
                await store.ApplyAsync(changes).ConfigureAwait(false);
            }

            await app.Services.GetRequiredService<Server.Postmortems.PostmortemService>().LoadMemoryAsync().ConfigureAwait(false);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"preloaded {open} open incidents in {sw.Elapsed.TotalSeconds:0.0} s"));

            using var http = new HttpClient { BaseAddress = app.BoundAddress(), Timeout = TimeSpan.FromMinutes(10) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
            const int batch = 100;
            sw.Restart();
            for (var start = 0; start < alerts; start += batch)
            {
                var body = Payload(start, Math.Min(batch, alerts - start));
                using var response = await http.PostAsync(new Uri("/api/v1/alertmanager", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json")).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
            }

            var webhook = alerts / sw.Elapsed.TotalSeconds;
            sw.Restart();
            for (var i = 0; i < alerts; i++)
            {
                await incidents.IngestSignalAsync(Signal($"det-{i}", open + alerts + i)).ConfigureAwait(false);
            }

            var direct = alerts / sw.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"open={open} alerts={alerts}: Alertmanager webhook {webhook:0} alerts/s, incident service (detector path) {direct:0} alerts/s"));
            return 0;
        }
        finally
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static IncidentSignal Signal(string id, int service) => new()
    {
        AlertId = $"a-{id}",
        Fingerprint = $"fp-{id}",
        Category = SignalCategories.Infrastructure,
        Signal = "HighLatency",
        Source = "alertmanager",
        Labels = new Dictionary<string, string> { ["alertname"] = "HighLatency", ["feature"] = $"svc-{service}", ["severity"] = "warning" },
        Summary = $"p95 latency of svc-{service} above 2 s for 5 minutes in region eu-west",
        FiredAt = DateTimeOffset.UtcNow,
    };

    private static string Payload(int start, int count)
    {
        var sb = new StringBuilder("""{"version":"4","status":"firing","receiver":"quell","groupKey":"bench","alerts":[""");
        for (var k = 0; k < count; k++)
        {
            var n = start + k;
            sb.Append(k == 0 ? string.Empty : ",")
              .Append(CultureInfo.InvariantCulture, $$"""{"status":"firing","labels":{"alertname":"HighLatency","feature":"am-{{n}}","severity":"warning"},"annotations":{"summary":"p95 latency of am-{{n}} above 2 s for 5 minutes in region eu-west"},"fingerprint":"am{{n:x8}}"}""");
        }

        return sb.Append("]}").ToString();
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
