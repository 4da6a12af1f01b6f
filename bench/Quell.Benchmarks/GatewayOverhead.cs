using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using HdrHistogram;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quell.Configuration;
using Quell.Gateway;
using Quell.Security;
using Quell.Server;

namespace Quell.Benchmarks;

/// <summary>
/// Gateway overhead, side by side in one run: an open-loop load (fixed request rate, latency measured from each
/// request's scheduled time so a stall is not hidden) from a separate process, first straight at a mock model
/// server, then through the gateway in front of the same mock, at each rate asked for.
/// <c>gateway-overhead [--rates 1000,5000] [--seconds 10]</c>.
/// </summary>
internal static class GatewayOverhead
{
    private static readonly byte[] Completion = Encoding.UTF8.GetBytes("""{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4}}}""");

    public static async Task<int> RunAsync(string[] args)
    {
        var rates = Arg(args, "--rates", "1000,5000").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToList();
        var seconds = int.Parse(Arg(args, "--seconds", "10"), CultureInfo.InvariantCulture);

        // The mock model server and the Quell server run in a process of their own, as they would on other hosts:
        // this process holds only the gateway, and the load comes from a third.
        using var backends = StartBackends();
        string? line;
        do
        {
            line = await backends.StandardOutput.ReadLineAsync().ConfigureAwait(false) ?? throw new InvalidOperationException("the backends process ended before it started");
        }
        while (!line.StartsWith("{\"Mock\"", StringComparison.Ordinal));

        var ends = JsonSerializer.Deserialize<Backends>(line)!;
        var drained = backends.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        var gateway = GatewayHost.Build(new GatewayHostOptions
        {
            Urls = "http://127.0.0.1:0",
            Server = new Uri(ends.Quell),
            ApiKey = ends.GatewayKey,
            Config = new QuellConfig { Gateway = new GatewayConfig { Upstreams = [new UpstreamConfig { Name = "mock", Url = ends.Mock }] } },
        });
        await gateway.StartAsync().ConfigureAwait(false);
        var mockUrl = new Uri(ends.Mock);
        var clientKey = ends.ClientKey;

        Console.WriteLine($"{"rate/s",7} {"target",-8} {"sent",7} {"ok",7} {"err",5} {"achieved/s",10} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"p99.9 ms",9} {"max ms",8}");
        var results = new List<LoadResult>();
        foreach (var rate in rates)
        {
            foreach (var (name, url) in new[] { ("direct", mockUrl), ("gateway", gateway.BoundAddress()) })
            {
                var r = await RunChildAsync(url, rate, seconds, clientKey).ConfigureAwait(false) with { Target = name, Rate = rate };
                results.Add(r);
                Console.WriteLine($"{rate,7} {name,-8} {r.Sent,7} {r.Ok,7} {r.Errors,5} {r.Achieved,10:F0} {r.P50,8:F3} {r.P90,8:F3} {r.P99,8:F3} {r.P999,9:F3} {r.Max,8:F3}");
            }

            var d = results[^2];
            var g = results[^1];
            Console.WriteLine($"{rate,7} added    p50 {g.P50 - d.P50:F3} ms, p99 {g.P99 - d.P99:F3} ms, throughput {100.0 * g.Achieved / d.Achieved:F1} % of direct");
        }

        await gateway.StopAsync().ConfigureAwait(false);
        backends.StandardInput.Close();
        await backends.WaitForExitAsync().ConfigureAwait(false);
        await drained.ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// The mock model server and a Quell server (detection off) for the gateway to use, as their own process:
    /// <c>gateway-backends</c> prints their addresses and keys as one JSON line and stops when stdin closes.
    /// </summary>
    public static async Task<int> BackendsAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "quell-gateway-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var quell = QuellServer.Build(new QuellServerOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = dir,
            AdminKeyCreated = _ => { },
            Detection = new Server.Detection.DetectionServiceOptions { Enabled = false },
        });
        await quell.StartAsync().ConfigureAwait(false);
        var keys = quell.Services.GetRequiredService<ApiKeyService>();
        var gatewayKey = keys.Create(new ApiKeyRequest("gateway", [Scopes.Ingest, Scopes.Read], null, null), "bench").Secret;
        var clientKey = keys.Create(new ApiKeyRequest("load", [Scopes.Ingest], null, null), "bench").Secret;
        var mock = await StartMockAsync().ConfigureAwait(false);
        Console.WriteLine(JsonSerializer.Serialize(new Backends(mock.BoundAddress().ToString(), quell.BoundAddress().ToString(), gatewayKey, clientKey)));
        await Console.In.ReadToEndAsync().ConfigureAwait(false);
        await mock.StopAsync().ConfigureAwait(false);
        await quell.StopAsync().ConfigureAwait(false);
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    private static Process StartBackends()
    {
        var self = typeof(GatewayOverhead).Assembly.Location;
        return Process.Start(new ProcessStartInfo("dotnet", $"\"{self}\" gateway-backends") { RedirectStandardOutput = true, RedirectStandardInput = true })!;
    }

    /// <summary>The load generator, run as its own process: <c>gateway-load --url U --rate R --seconds S --key K</c>.</summary>
    public static async Task<int> LoadAsync(string[] args)
    {
        var url = new Uri(new Uri(Arg(args, "--url", "")), "/v1/chat/completions");
        var rate = int.Parse(Arg(args, "--rate", "1000"), CultureInfo.InvariantCulture);
        var seconds = int.Parse(Arg(args, "--seconds", "10"), CultureInfo.InvariantCulture);
        var key = Arg(args, "--key", "");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
        var body = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","max_tokens":50,"messages":[{"role":"user","content":"Say hello"}]}""");

        // A short warm-up at the same rate, not recorded: JIT, connection pools.
        await DriveAsync(http, url, body, key, rate, Math.Min(3, seconds), null).ConfigureAwait(false);
        var histogram = new LongConcurrentHistogram(1, TimeSpan.FromSeconds(30).Ticks, 3);
        var (sent, ok, errors, elapsed) = await DriveAsync(http, url, body, key, rate, seconds, histogram).ConfigureAwait(false);
        double Ms(double q) => histogram.GetValueAtPercentile(q) / (double)TimeSpan.TicksPerMillisecond;
        var result = new LoadResult("", rate, sent, ok, errors, ok / elapsed.TotalSeconds, Ms(50), Ms(90), Ms(99), Ms(99.9), histogram.GetMaxValue() / (double)TimeSpan.TicksPerMillisecond);
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private static async Task<(long Sent, long Ok, long Errors, TimeSpan Elapsed)> DriveAsync(HttpClient http, Uri url, byte[] body, string key, int rate, int seconds, LongConcurrentHistogram? histogram)
    {
        long ok = 0, errors = 0, sent = 0;
        var inFlight = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        var total = (long)rate * seconds;
        while (sent < total)
        {
            var due = Math.Min(total, (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate));
            for (; sent < due; sent++)
            {
                var scheduled = start + (long)(sent * (double)Stopwatch.Frequency / rate);
                inFlight.Add(SendAsync());

                async Task SendAsync()
                {
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
                        request.Headers.TryAddWithoutValidation("x-quell-feature", "bench");
                        using var response = await http.SendAsync(request).ConfigureAwait(false);
                        await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref ok);
                        }
                        else
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }

                    histogram?.RecordValue(Math.Max(1, Stopwatch.GetElapsedTime(scheduled).Ticks));
                }
            }

            await Task.Delay(1).ConfigureAwait(false);
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
        return (sent, ok, errors, Stopwatch.GetElapsedTime(start));
    }

    private static async Task<LoadResult> RunChildAsync(Uri url, int rate, int seconds, string key)
    {
        var self = typeof(GatewayOverhead).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", $"\"{self}\" gateway-load --url {url} --rate {rate} --seconds {seconds} --key {key}")
        {
            RedirectStandardOutput = true,
        };
        using var child = Process.Start(start)!;
        var output = await child.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await child.WaitForExitAsync().ConfigureAwait(false);
        return JsonSerializer.Deserialize<LoadResult>(output.Trim().Split('\n')[^1])!;
    }

    private static async Task<WebApplication> StartMockAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            await http.Request.Body.CopyToAsync(Stream.Null).ConfigureAwait(false);
            http.Response.ContentType = "application/json";
            http.Response.ContentLength = Completion.Length;
            await http.Response.Body.WriteAsync(Completion).ConfigureAwait(false);
        });
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private sealed record Backends(string Mock, string Quell, string GatewayKey, string ClientKey);

    private sealed record LoadResult(string Target, int Rate, long Sent, long Ok, long Errors, double Achieved, double P50, double P90, double P99, double P999, double Max);
}
