using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using HdrHistogram;

namespace Quell.Benchmarks;

/// <summary>One endpoint a paced load drives, with its own connection pool and its own figures.</summary>
internal sealed class PacedTarget : IDisposable
{
    public PacedTarget(string name, Uri url, string key, byte[] body, int connections)
    {
        Name = name;
        Url = url;
        Key = key;
        Body = body;
        Connections = connections;

        // Kept-alive HTTP/1.1 connections opened before measuring; nothing on the way that a model client would not need.
        Client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });
    }

    public string Name { get; }
    public Uri Url { get; }
    public string Key { get; }
    public byte[] Body { get; }
    public int Connections { get; }
    public HttpMessageInvoker Client { get; }

    /// <summary>Microseconds from each request's intended send time to the end of its answer.</summary>
    public LongConcurrentHistogram Latency { get; private set; } = NewHistogram();

    /// <summary>Microseconds between a request's intended send time and the moment it was handed to the client.</summary>
    public LongConcurrentHistogram SendLag { get; private set; } = NewHistogram();

    public long Sent;
    public long Ok;
    public long Errors;
    public long ScheduledTicks;

    public void Reset()
    {
        Latency = NewHistogram();
        SendLag = NewHistogram();
        Sent = Ok = Errors = ScheduledTicks = 0;
    }

    public HttpRequestMessage NewRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Url)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(Body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Key);
        request.Headers.TryAddWithoutValidation("x-quell-feature", "bench");
        return request;
    }

    public void Dispose() => Client.Dispose();

    private static LongConcurrentHistogram NewHistogram() => new(1, 60_000_000, 3);
}

/// <summary>
/// An open-loop load in the manner of wrk2: request i is due at start + i / rate whatever happened to the ones
/// before it, and its latency runs from that intended time to the end of its answer, so a stall of the server
/// (or of the generator) shows in the figures instead of silently slowing the load down (coordinated omission).
/// One dedicated thread sleeps on <see cref="Stopwatch"/> timestamps and hands each request to the client when it
/// is due; no timer bursts. With several targets the schedule alternates between them in fixed slices, so a noisy
/// neighbour on the machine hurts every target alike.
/// </summary>
internal static partial class PacedLoad
{
    /// <summary>Opens each target's connections (all of them at once) and sends a few rounds over them, unmeasured.</summary>
    public static async Task WarmConnectionsAsync(PacedTarget target, int rounds)
    {
        for (var r = 0; r < rounds; r++)
        {
            var all = new Task[target.Connections];
            for (var i = 0; i < all.Length; i++)
            {
                all[i] = SendAsync(target, Stopwatch.GetTimestamp(), record: false);
            }

            await Task.WhenAll(all).ConfigureAwait(false);
        }

        target.Reset();
    }

    /// <summary>
    /// Drives <paramref name="rate"/> requests per second for <paramref name="duration"/>, switching target every
    /// <paramref name="slice"/>; records into the targets when <paramref name="record"/>. Returns once every
    /// request sent has its answer (or failed).
    /// </summary>
    public static void Run(IReadOnlyList<PacedTarget> targets, int rate, TimeSpan duration, TimeSpan slice, bool record)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var perRequest = (double)Stopwatch.Frequency / rate;
        var perSlice = (long)(slice.TotalSeconds * Stopwatch.Frequency);
        // One count for the pacing loop itself, so "all answered" cannot be seen before the last request is sent.
        long pending = 1;
        using var done = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            ReduceTimerSlack();
            var start = Stopwatch.GetTimestamp();
            for (long i = 0; i < total; i++)
            {
                var offset = (long)(i * perRequest);
                var due = start + offset;
                WaitUntil(due);
                var target = targets[(int)(offset / perSlice % targets.Count)];
                if (record)
                {
                    target.SendLag.RecordValue(Math.Max(1, Micros(Stopwatch.GetTimestamp() - due)));
                }

                Interlocked.Increment(ref pending);
                _ = Track(SendAsync(target, due, record));
            }

            if (Interlocked.Decrement(ref pending) == 0)
            {
                done.Set();
            }
        })
        {
            Name = "paced-load",
            IsBackground = true,
            Priority = ThreadPriority.Highest,
        };

        async Task Track(Task send)
        {
            await send.ConfigureAwait(false);
            if (Interlocked.Decrement(ref pending) == 0)
            {
                done.Set();
            }
        }

        thread.Start();
        thread.Join();
        done.Wait(TimeSpan.FromSeconds(60));

        if (record)
        {
            foreach (var t in targets)
            {
                t.ScheduledTicks += (long)(duration.TotalSeconds * Stopwatch.Frequency / targets.Count);
            }
        }
    }

    private static async Task SendAsync(PacedTarget target, long due, bool record)
    {
        var ok = false;
        try
        {
            using var request = target.NewRequest();
            using var response = await target.Client.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
            await response.Content.CopyToAsync(Stream.Null).ConfigureAwait(false);
            ok = response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
        }
        catch (IOException)
        {
        }

        if (!record)
        {
            return;
        }

        target.Latency.RecordValue(Math.Max(1, Micros(Stopwatch.GetTimestamp() - due)));
        Interlocked.Increment(ref target.Sent);
        if (ok)
        {
            Interlocked.Increment(ref target.Ok);
        }
        else
        {
            Interlocked.Increment(ref target.Errors);
        }
    }

    private static long Micros(long stopwatchTicks) => stopwatchTicks * 1_000_000 / Stopwatch.Frequency;

    /// <summary>Sleeps until the timestamp; the last stretch, shorter than the OS's wake-up error, is spun.</summary>
    private static void WaitUntil(long due)
    {
        var spinFrom = Stopwatch.Frequency / 50_000; // 20 µs
        while (true)
        {
            var remaining = due - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }

            if (remaining > spinFrom)
            {
                SleepTicks(remaining - spinFrom);
            }
            else
            {
                Thread.SpinWait(8);
            }
        }
    }

    // Thread.Sleep has millisecond steps, which would send in 1 ms bursts; nanosleep sleeps the microseconds asked.
    private static void SleepTicks(long stopwatchTicks)
    {
        if (!OperatingSystem.IsLinux())
        {
            Thread.Sleep(stopwatchTicks * 1000 / Stopwatch.Frequency > 1 ? 1 : 0);
            return;
        }

        var ns = stopwatchTicks * 1_000_000_000 / Stopwatch.Frequency;
        var spec = new Timespec { Seconds = ns / 1_000_000_000, Nanoseconds = ns % 1_000_000_000 };
        _ = NanoSleep(ref spec, IntPtr.Zero);
    }

    // The kernel may delay a sleeper's wake-up by its timer slack (50 µs by default) to batch wake-ups.
    private static void ReduceTimerSlack()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = Prctl(PrSetTimerSlack, 1, 0, 0, 0);
        }
    }

    private const int PrSetTimerSlack = 29;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(ref Timespec request, IntPtr remaining);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
