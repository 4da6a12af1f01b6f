using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Quell.Calls;
using Quell.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Quell.Server;

namespace Quell.Benchmarks;

/// <summary>
/// Wall time from the ingest of the decisive call to the stored alert, in the running server: each round posts a
/// runaway agent trace one call per request; the call that crosses the identical-tool-call cap is decisive.
/// Usage: alert-latency [--rounds N].
/// </summary>
internal static class AlertLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
        var dir = Path.Combine(Path.GetTempPath(), "quell-alert-latency-" + Guid.NewGuid().ToString("N"));
        var adminKey = Security.ApiKeySecret.New();
        var app = QuellServer.Build(new QuellServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = dir, AdminKey = adminKey });
        await app.StartAsync().ConfigureAwait(false);
        var detection = app.Services.GetRequiredService<Server.Detection.DetectionService>();
        var stored = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        detection.Subscribe((e, _) =>
        {
            // Subscribers run after the alert row is committed.
            if (e.Kind == Alerts.AlertEventKind.Fired)
            {
                stored.TrySetResult(Stopwatch.GetTimestamp());
            }

            return Task.CompletedTask;
        });

        using var http = new HttpClient { BaseAddress = app.BoundAddress() };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
        var latencies = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            stored = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            var trace = $"{round:x32}";
            long decisiveStart = 0;
            for (var step = 0; step < 20 && !stored.Task.IsCompleted; step++)
            {
                var call = new CallRecord
                {
                    Id = $"loop-{round}-{step}",
                    Timestamp = DateTimeOffset.UtcNow,
                    Feature = "research_agent",
                    Tenant = "acme",
                    User = "u1",
                    Model = "gpt-4o",
                    Provider = "openai",
                    TraceId = trace,
                    InputTokens = 1000,
                    OutputTokens = 50,
                    LatencyMs = 800,
                    ToolCalls = [new ToolCallRecord("read_page", "same-arguments")],
                };
                using var content = new ByteArrayContent(CallRecordJsonWriter.ToNdjson([call]));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                decisiveStart = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(new Uri("/api/v1/calls", UriKind.Relative), content).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                if (await Task.WhenAny(stored.Task, Task.Delay(200)).ConfigureAwait(false) == stored.Task)
                {
                    break;
                }
            }

            if (!stored.Task.IsCompleted)
            {
                Console.Error.WriteLine($"round {round}: no alert");
                continue;
            }

            latencies.Add(Stopwatch.GetElapsedTime(decisiveStart, await stored.Task.ConfigureAwait(false)).TotalMilliseconds);
        }

        latencies.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rounds={latencies.Count} decisive_ingest_to_stored_alert_ms p50={latencies[latencies.Count / 2]:F1} p95={latencies[(int)(latencies.Count * 0.95)]:F1} max={latencies[^1]:F1}"));
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        return 0;
    }
}
