using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Quell.Benchmarks;

/// <summary>
/// Overload: `quell serve` as its own process, first measured closed-loop for its capacity (large NDJSON bodies with
/// input and output text, so the scanners run), then offered N× that rate open-loop for a burst, then left idle.
/// Prints offered/accepted/refused rates, p99 of answers, and the server's resident memory before, at peak and after.
/// Usage: overload [--factor 10] [--seconds 30] [--settle 20] [--body-mb 4] [--calibrate 20].
/// </summary>
internal static class OverloadLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var factor = Dbl(args, "--factor", 10);
        var seconds = Dbl(args, "--seconds", 30);
        var settle = Dbl(args, "--settle", 20);
        var bodyMb = Dbl(args, "--body-mb", 4);
        var calibrate = (int)Dbl(args, "--calibrate", 20);

        var bodies = Enumerable.Range(0, 16).Select(i => Body(i, (int)(bodyMb * 1024 * 1024))).ToList();
        var adminKey = Security.ApiKeySecret.New();
        using var server = await ServerProcess.StartAsync(adminKey).ConfigureAwait(false);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = server.BaseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
        using var sampler = new RssSampler(server.Pid);
        await Task.Delay(2000).ConfigureAwait(false);
        var baseline = sampler.Current;

        // Capacity: four senders back to back, nothing refused.
        var calibration = Stopwatch.StartNew();
        var sent = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (Interlocked.Increment(ref sent) <= calibrate)
            {
                using var r = await PostAsync(http, bodies[sent % bodies.Count]).ConfigureAwait(false);

                // Capacity is measured on accepted batches only: anything else (a missing key, a refusal) would measure refusals.
                if (!r.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"calibration request answered {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                }
            }
        })).ConfigureAwait(false);
        var capacity = calibrate / calibration.Elapsed.TotalSeconds;
        var offeredRate = capacity * factor;
        Console.Error.WriteLine($"capacity {capacity:F1} req/s of {bodyMb} MB; offering {offeredRate:F1} req/s for {seconds} s");

        sampler.ResetPeak();
        var results = new System.Collections.Concurrent.ConcurrentBag<(int Status, double Ms)>();
        var inFlight = new List<Task>();
        var burst = Stopwatch.StartNew();
        var offered = 0;
        while (burst.Elapsed.TotalSeconds < seconds)
        {
            var due = (int)(burst.Elapsed.TotalSeconds * offeredRate);
            for (; offered < due; offered++)
            {
                var body = bodies[offered % bodies.Count];
                inFlight.Add(Task.Run(async () =>
                {
                    var started = Stopwatch.GetTimestamp();
                    int status;
                    try
                    {
                        using var r = await PostAsync(http, body).ConfigureAwait(false);
                        status = (int)r.StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        status = -1;
                    }
                    catch (TaskCanceledException)
                    {
                        status = -2;
                    }

                    results.Add((status, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                }));
            }

            await Task.Delay(5).ConfigureAwait(false);
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
        var burstSeconds = burst.Elapsed.TotalSeconds;
        var peak = sampler.Peak;
        await Task.Delay(TimeSpan.FromSeconds(settle)).ConfigureAwait(false);
        var settled = sampler.Current;

        var all = results.ToList();
        var accepted = all.Where(r => r.Status == 200).ToList();
        var refused = all.Where(r => r.Status is 429 or 503).ToList();
        var other = all.Count - accepted.Count - refused.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"body_mb={bodyMb} capacity_rps={capacity:F1} factor={factor} offered={all.Count} offered_rps={all.Count / seconds:F1} accepted={accepted.Count} accepted_rps={accepted.Count / burstSeconds:F1} refused={refused.Count} refused_rps={refused.Count / burstSeconds:F1} other={other} " +
            $"p99_all_ms={P99(all)} p99_accepted_ms={P99(accepted)} p99_refused_ms={P99(refused)} rss_baseline_mb={baseline / 1e6:F0} rss_peak_mb={peak / 1e6:F0} rss_settled_mb={settled / 1e6:F0} settle_s={settle}"));
        foreach (var g in all.GroupBy(r => r.Status).OrderBy(g => g.Key))
        {
            Console.Error.WriteLine($"  status {g.Key}: {g.Count()}");
        }

        return other == 0 ? 0 : 1;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return http.PostAsync(new Uri("/api/v1/calls", UriKind.Relative), content);
    }

    private static string P99(List<(int Status, double Ms)> xs)
    {
        if (xs.Count == 0)
        {
            return "n/a";
        }

        var sorted = xs.Select(x => x.Ms).Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * 0.99))].ToString("F0", CultureInfo.InvariantCulture);
    }

    // Calls with prompt and answer text, so decoding, scanning and pricing all run, like production traffic.
    private static byte[] Body(int seed, int size)
    {
        var sb = new StringBuilder(size + 4096);
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var text = string.Concat(Enumerable.Repeat("Please summarise the attached ticket for the customer; contact me at ana@example.com. ", 12));
        for (var i = 0; sb.Length < size; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $$"""{"id":"ovl-{{seed}}-{{i}}","timestamp":"{{now}}","tenant":"t{{i % 50}}","feature":"support_chat","model":"gpt-4o","input_tokens":900,"output_tokens":200,"latency_ms":850,"input":"{{text}}","output":"{{text}}"}""").Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static double Dbl(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Samples VmRSS of a process from /proc every 50 ms.</summary>
    private sealed class RssSampler : IDisposable
    {
        private readonly int _pid;
        private readonly Timer _timer;
        private long _peak;
        private long _current;

        public RssSampler(int pid)
        {
            _pid = pid;
            _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
        }

        public long Current
        {
            get
            {
                Sample();
                return Interlocked.Read(ref _current);
            }
        }

        public long Peak => Interlocked.Read(ref _peak);

        public void ResetPeak() => Interlocked.Exchange(ref _peak, Interlocked.Read(ref _current));

        public void Dispose() => _timer.Dispose();

        private void Sample()
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{_pid}/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                        Interlocked.Exchange(ref _current, kb * 1024);
                        long peak;
                        while ((peak = Interlocked.Read(ref _peak)) < kb * 1024 && Interlocked.CompareExchange(ref _peak, kb * 1024, peak) != peak)
                        {
                        }

                        return;
                    }
                }
            }
            catch (IOException)
            {
                // The process is gone.
            }
        }
    }

    /// <summary>`quell serve` in its own process on a free loopback port and a temporary data directory.</summary>
    private sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly string _data;

        private ServerProcess(Process process, string data, Uri baseAddress)
        {
            _process = process;
            _data = data;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public int Pid => _process.Id;

        public static async Task<ServerProcess> StartAsync(string adminKey)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var data = Path.Combine(Path.GetTempPath(), "quell-overload-" + Guid.NewGuid().ToString("N"));
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["QUELL_ADMIN_KEY"] = adminKey;
            foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "quell.dll"), "serve", "--urls", $"http://127.0.0.1:{port}", "--data", data])
            {
                start.ArgumentList.Add(a);
            }

            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.Contains("listening on", StringComparison.Ordinal))
                {
                    _ = process.StandardOutput.ReadToEndAsync();
                    return new ServerProcess(process, data, new Uri($"http://127.0.0.1:{port}"));
                }
            }

            throw new InvalidOperationException("quell serve exited before listening");
        }

        public void Dispose()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
            Directory.Delete(_data, recursive: true);
        }
    }
}
