using System.Diagnostics;
using System.Globalization;
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
/// Gateway overhead, side by side in one run: an open-loop paced load (<see cref="PacedLoad"/>) from a process of its
/// own alternates one-second slices straight at a mock model server, through a bare YARP forwarder and through the
/// gateway, both in front of the same mock, at each rate asked for, so all three see the same machine.
/// <c>gateway-overhead [--rates 1000,5000] [--seconds 10] [--connections 64] [--env|--gateway-env|--quell-env|--load-env
/// NAME=VALUE,…] [--quell-nice N] [--wrk]</c>; <c>--wrk</c> adds a closed-loop cross-check with Debian's <c>wrk</c> when it is installed.
/// </summary>
internal static class GatewayOverhead
{
    private static readonly byte[] Completion = Encoding.UTF8.GetBytes("""{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4}}}""");
    private static readonly byte[] RequestBody = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","max_tokens":50,"messages":[{"role":"user","content":"Say hello"}]}""");

    public static async Task<int> RunAsync(string[] args)
    {
        var rates = Arg(args, "--rates", "1000,5000");
        var seconds = int.Parse(Arg(args, "--seconds", "10"), CultureInfo.InvariantCulture);
        var connections = int.Parse(Arg(args, "--connections", "64"), CultureInfo.InvariantCulture);

        // The mock model server, the Quell server, the gateway and the load each run in a process of their own, as
        // they would on other hosts; this one only starts them and prints the figures.
        var everywhere = Arg(args, "--env", "");
        using var mockProcess = StartBackend("mock", everywhere);
        using var quellProcess = StartBackend("quell", everywhere + "," + Arg(args, "--quell-env", ""), nice: int.Parse(Arg(args, "--quell-nice", "0"), CultureInfo.InvariantCulture));
        var mock = await ReadBackendAsync(mockProcess).ConfigureAwait(false);
        var quell = await ReadBackendAsync(quellProcess).ConfigureAwait(false);
        var ends = new Backends(mock.Url, quell.Url, quell.GatewayKey!, quell.ClientKey!);
        using var gatewayProcess = StartBackend($"gateway --mock {ends.Mock} --quell {ends.Quell} --key {ends.GatewayKey}", everywhere + "," + Arg(args, "--gateway-env", ""));
        var gatewayUrl = new Uri((await ReadBackendAsync(gatewayProcess).ConfigureAwait(false)).Url);

        // A bare YARP forwarder with the gateway's transport settings and nothing of Quell's: what the proxy hop
        // itself costs on this machine, so the gateway's own share of the added latency can be told apart.
        using var bareProcess = StartBackend($"yarp --mock {ends.Mock}", everywhere);
        var bareUrl = new Uri((await ReadBackendAsync(bareProcess).ConfigureAwait(false)).Url);
        Console.WriteLine($"load average before: {LoadAverage()}");
        Console.WriteLine($"{"rate/s",7} {"target",-8} {"sent",7} {"ok",7} {"err",5} {"achieved/s",10} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"p99.9 ms",9} {"max ms",8} {"lag p99",8}");
        var self = typeof(GatewayOverhead).Assembly.Location;
        var loadStart = new ProcessStartInfo("dotnet", $"\"{self}\" gateway-load --direct {ends.Mock} --bare {bareUrl} --gateway {gatewayUrl} --rates {rates} --seconds {seconds} --connections {connections} --key {ends.ClientKey}")
        {
            RedirectStandardOutput = true,
        };
        // Not with inline socket completions: with them the generator lost a few requests in some runs (never
        // answered within a minute; the servers with the same setting lost none when the generator ran without it).
        SetEnvironment(loadStart, everywhere + "," + Arg(args, "--load-env", ""));
        var load = Process.Start(loadStart)!;
        var results = new List<LoadResult>();
        Process[] measured = [gatewayProcess, bareProcess, mockProcess, quellProcess, load];
        var cpuAtStart = new TimeSpan[measured.Length];
        while (await load.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } output)
        {
            if (output.StartsWith("measuring", StringComparison.Ordinal))
            {
                for (var i = 0; i < measured.Length; i++)
                {
                    cpuAtStart[i] = Cpu(measured[i]);
                }

                continue;
            }

            if (!output.StartsWith('{'))
            {
                continue;
            }

            var r = JsonSerializer.Deserialize<LoadResult>(output)!;
            results.Add(r);
            Console.WriteLine($"{r.Rate,7} {r.Target,-8} {r.Sent,7} {r.Ok,7} {r.Errors,5} {r.Achieved,10:F0} {r.P50,8:F3} {r.P90,8:F3} {r.P99,8:F3} {r.P999,9:F3} {r.Max,8:F3} {r.SendLagP99,8:F3}{(r.Unanswered > 0 ? $"  {r.Unanswered} unanswered after 60 s" : "")}");
            if (results.Count % 3 == 0)
            {
                var d = results[^3];
                var bare = results[^2];
                var g = results[^1];
                Console.WriteLine($"{r.Rate,7} added    gateway p50 {g.P50 - d.P50:F3} ms, p99 {g.P99 - d.P99:F3} ms, throughput {100.0 * g.Achieved / d.Achieved:F1} % of direct; bare YARP p50 {bare.P50 - d.P50:F3} ms, p99 {bare.P99 - d.P99:F3} ms; load average {LoadAverage()}");

                // CPU per request, steadier than latency on a busy machine: the gateway, the bare proxy and Quell work
                // only for their own requests, the mock and the load generator for all of them.
                var cpu = measured.Select((p, i) => (Cpu(p) - cpuAtStart[i]).TotalMicroseconds).ToArray();
                var all = d.Sent + bare.Sent + g.Sent;
                Console.WriteLine($"{r.Rate,7} cpu/req  gateway {cpu[0] / g.Sent:F0} µs, quell {cpu[3] / g.Sent:F0} µs (per gateway request); bare YARP {cpu[1] / bare.Sent:F0} µs; mock {cpu[2] / all:F0} µs, load {cpu[4] / all:F0} µs (per request)");
            }
        }

        await load.WaitForExitAsync().ConfigureAwait(false);
        if (args.Contains("--wrk"))
        {
            await WrkCrossCheckAsync(new Uri(ends.Mock), gatewayUrl, ends.ClientKey, Math.Min(seconds, 5)).ConfigureAwait(false);
        }

        foreach (var p in new[] { gatewayProcess, bareProcess, mockProcess, quellProcess })
        {
            p.StandardInput.Close();
            await p.WaitForExitAsync().ConfigureAwait(false);
        }

        return load.ExitCode;
    }

    /// <summary>
    /// The mock model server, a Quell server (detection off), the gateway or the bare YARP forwarder, as a process of
    /// its own: <c>gateway-backends mock|quell|gateway|yarp [--mock U] [--quell U] [--key K]</c> prints its address
    /// (and, for Quell, the keys) as one JSON line and stops when stdin closes.
    /// </summary>
    public static async Task<int> BackendsAsync(string[] args)
    {
        var which = args.FirstOrDefault();
        if (which is "gateway" or "yarp" or "mock")
        {
            // As `quell gateway` does before it opens a socket; the bare proxy and the mock get the same.
            GatewayHost.PrepareProcess();
        }

        switch (which)
        {
            case "gateway":
                var gateway = GatewayHost.Build(new GatewayHostOptions
                {
                    Urls = "http://127.0.0.1:0",
                    Server = new Uri(Arg(args, "--quell", "")),
                    ApiKey = Arg(args, "--key", ""),
                    Config = new QuellConfig { Gateway = new GatewayConfig { Upstreams = [new UpstreamConfig { Name = "mock", Url = Arg(args, "--mock", "") }] } },
                });
                await gateway.StartAsync().ConfigureAwait(false);
                await ServeUntilStdinClosesAsync(gateway).ConfigureAwait(false);
                return 0;
            case "yarp":
                await ServeUntilStdinClosesAsync(await StartBareProxyAsync(new Uri(Arg(args, "--mock", ""))).ConfigureAwait(false)).ConfigureAwait(false);
                return 0;
            case "mock":
                await ServeUntilStdinClosesAsync(await StartMockAsync().ConfigureAwait(false)).ConfigureAwait(false);
                return 0;
        }

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
        await ServeUntilStdinClosesAsync(quell, gatewayKey, clientKey).ConfigureAwait(false);
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    /// <summary>Prints the started server's address (and keys) as the one JSON line the parent waits for, then serves until stdin closes.</summary>
    private static async Task ServeUntilStdinClosesAsync(WebApplication app, string? gatewayKey = null, string? clientKey = null)
    {
        Console.WriteLine(JsonSerializer.Serialize(new Backend(app.BoundAddress().ToString(), gatewayKey, clientKey)));
        await Console.In.ReadToEndAsync().ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
    }

    private static Process StartBackend(string which, string environment = "", int nice = 0)
    {
        var self = typeof(GatewayOverhead).Assembly.Location;
        var command = $"\"{self}\" gateway-backends {which}";
        var start = nice == 0
            ? new ProcessStartInfo("dotnet", command)
            : new ProcessStartInfo("nice", $"-n {nice} dotnet {command}");
        start.RedirectStandardOutput = true;
        start.RedirectStandardInput = true;
        if (!which.StartsWith("mock", StringComparison.Ordinal))
        {
            // The gateway and the Quell server run with the server GC, as the `quell` executable does.
            start.Environment["DOTNET_gcServer"] = "1";
        }

        SetEnvironment(start, environment);
        return Process.Start(start)!;
    }

    // --env / --gateway-env / --quell-env / --load-env NAME=VALUE[,NAME=VALUE]: runtime settings to try on every
    // process, or on one of them.
    private static void SetEnvironment(ProcessStartInfo start, string environment)
    {
        foreach (var pair in environment.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            start.Environment[pair[..eq]] = pair[(eq + 1)..];
        }
    }

    private static async Task<Backend> ReadBackendAsync(Process process)
    {
        string? line;
        do
        {
            line = await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) ?? throw new InvalidOperationException("a backend process ended before it started");
        }
        while (!line.StartsWith("{\"Url\"", StringComparison.Ordinal));

        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        return JsonSerializer.Deserialize<Backend>(line)!;
    }

    /// <summary>
    /// The load generator, run as its own process: <c>gateway-load --direct U --bare U --gateway U --rates R[,R]
    /// --seconds S --connections C --key K</c>. Prints one JSON line per rate and target.
    /// </summary>
    public static async Task<int> LoadAsync(string[] args)
    {
        var rates = Arg(args, "--rates", "1000").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToList();
        var seconds = int.Parse(Arg(args, "--seconds", "10"), CultureInfo.InvariantCulture);
        var connections = int.Parse(Arg(args, "--connections", "64"), CultureInfo.InvariantCulture);
        var key = Arg(args, "--key", "");
        PacedTarget Target(string name) => new(name, new Uri(new Uri(Arg(args, "--" + name, "")), "/v1/chat/completions"), key, RequestBody, connections);
        using var direct = Target("direct");
        using var bare = Target("bare");
        using var viaGateway = Target("gateway");
        PacedTarget[] targets = [direct, bare, viaGateway];
        foreach (var t in targets)
        {
            await PacedLoad.WarmConnectionsAsync(t, rounds: 20).ConfigureAwait(false);
        }

        var slice = TimeSpan.FromSeconds(1);
        foreach (var rate in rates)
        {
            // Unmeasured warm-up at the rate itself (JIT tiers, pools, the gateway's key cache), then the measured run:
            // the targets alternate one-second slices, each getting the same share of the time.
            // The first rate warms longer: the servers' JIT is still moving hot code to its optimised tier then, on a
            // background thread that takes CPU from everything else (seen in profiles as 11 % of the machine).
            var warm = rate == rates[0] ? 5 : 2;
            PacedLoad.Run(targets, rate, TimeSpan.FromSeconds(warm * targets.Length), slice, record: false);
            foreach (var t in targets)
            {
                t.Reset();
            }

            Console.WriteLine($"measuring {rate}");
            PacedLoad.Run(targets, rate, TimeSpan.FromSeconds(targets.Length * seconds), slice, record: true);
            foreach (var t in targets)
            {
                double Ms(double q) => t.Latency.GetValueAtPercentile(q) / 1000.0;
                var measured = (double)t.ScheduledTicks / Stopwatch.Frequency;
                var result = new LoadResult(t.Name, rate, t.Sent, t.Ok, t.Errors, t.Ok / measured, Ms(50), Ms(90), Ms(99), Ms(99.9), t.Latency.GetMaxValue() / 1000.0, t.SendLag.GetValueAtPercentile(99) / 1000.0, (long)rate * seconds - t.Sent);
                Console.WriteLine(JsonSerializer.Serialize(result));
            }
        }

        return 0;
    }

    /// <summary>
    /// Closed-loop cross-check with Debian's <c>wrk</c> (when installed): a fixed number of connections sending as
    /// fast as answers come, for each target, so the most each can serve is seen too.
    /// </summary>
    private static async Task WrkCrossCheckAsync(Uri mock, Uri gateway, string key, int seconds)
    {
        var script = Path.Combine(Path.GetTempPath(), "quell-gateway-wrk-" + Environment.ProcessId + ".lua");
        await File.WriteAllTextAsync(script, $$"""
            wrk.method = "POST"
            wrk.body = '{{Encoding.UTF8.GetString(RequestBody)}}'
            wrk.headers["Content-Type"] = "application/json"
            wrk.headers["Authorization"] = "Bearer {{key}}"
            wrk.headers["x-quell-feature"] = "bench"
            """).ConfigureAwait(false);
        try
        {
            foreach (var (name, url) in new[] { ("direct", mock), ("gateway", gateway) })
            {
                using var wrk = Process.Start(new ProcessStartInfo("wrk", $"-t1 -c16 -d{seconds}s --latency -s \"{script}\" {new Uri(url, "/v1/chat/completions")}") { RedirectStandardOutput = true });
                if (wrk is null)
                {
                    return;
                }

                var text = await wrk.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
                await wrk.WaitForExitAsync().ConfigureAwait(false);
                var wanted = text.Split('\n').Where(l => l.Contains("Requests/sec", StringComparison.Ordinal) || l.TrimStart().StartsWith("50%", StringComparison.Ordinal) || l.TrimStart().StartsWith("99%", StringComparison.Ordinal) || l.Contains("Non-2xx", StringComparison.Ordinal));
                Console.WriteLine($"wrk -t1 -c16 {name}: {string.Join("; ", wanted.Select(l => l.Trim()))}; load average {LoadAverage()}");
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("wrk is not installed (apt-get install wrk): cross-check skipped");
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static TimeSpan Cpu(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>YARP's forwarder alone: the gateway's transport and upstream client, no keys, no mitigations, no records.</summary>
    private static async Task<WebApplication> StartBareProxyAsync(Uri mock)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        GatewayHost.ConfigureTransport(builder.WebHost);
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        app.MapForwarder("/v1/chat/completions", mock.ToString(), Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig.Empty, Yarp.ReverseProxy.Forwarder.HttpTransformer.Empty, GatewayHost.CreateUpstreamClient());
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    private static async Task<WebApplication> StartMockAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        // The mock is an instrument: the less CPU it takes from the machine, the more the figures say about the gateway.
        GatewayHost.ConfigureTransport(builder.WebHost);
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

    private sealed record Backend(string Url, string? GatewayKey, string? ClientKey);

    private sealed record Backends(string Mock, string Quell, string GatewayKey, string ClientKey);

    private sealed record LoadResult(string Target, int Rate, long Sent, long Ok, long Errors, double Achieved, double P50, double P90, double P99, double P999, double Max, double SendLagP99, long Unanswered);
}
