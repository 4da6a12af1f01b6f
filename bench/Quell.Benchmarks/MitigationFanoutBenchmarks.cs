using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Quell.Server;

namespace Quell.Benchmarks;

/// <summary>
/// Long-poll fan-out: N followers hold <c>GET /api/v1/mitigations?wait=30s</c>; one mitigation is applied and the
/// benchmark measures until every follower has the new version.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class MitigationFanoutBenchmarks
{
    private FanoutHarness _harness = null!;

    [Params(100, 1000)]
    public int Followers { get; set; }

    [GlobalSetup]
    public void Setup() => _harness = FanoutHarness.StartAsync(Followers).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _harness.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "apply one mitigation, wait until all followers have it")]
    public Task<TimeSpan> ChangeReachesAllFollowers() => _harness.ChangeAndWaitAsync();

    /// <summary>`load fanout [N…]`: prints the time for a change to reach N followers, without BenchmarkDotNet's overhead.</summary>
    public static async Task<int> RunLoadAsync(string[] args)
    {
        var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [100, 1000, 2000];
        foreach (var n in sizes)
        {
            await using var harness = await FanoutHarness.StartAsync(n).ConfigureAwait(false);
            var samples = new List<double>();
            for (var round = 0; round < 23; round++)
            {
                var elapsed = await harness.ChangeAndWaitAsync().ConfigureAwait(false);
                if (round >= 3)
                {
                    samples.Add(elapsed.TotalMilliseconds);
                }
            }

            samples.Sort();
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"followers={n} rounds={samples.Count} median_ms={samples[samples.Count / 2]:0.0} p95_ms={samples[(int)(samples.Count * 0.95)]:0.0} max_ms={samples[^1]:0.0} requests_per_change={harness.RequestsPerRound:0.0}")).ConfigureAwait(false);
        }

        return 0;
    }
}

/// <summary>A Quell server on a temp store plus N raw HTTP long-poll followers.</summary>
internal sealed class FanoutHarness : IAsyncDisposable
{
    private readonly WebApplication _server;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _followers = [];
    private readonly int _count;
    private int _remaining;
    private long _requests;
    private long _rounds;
    private TaskCompletionSource _allSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FanoutHarness(WebApplication server, int count, string adminKey)
    {
        _server = server;
        _count = count;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { BaseAddress = server.BoundAddress(), Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
    }

    public double RequestsPerRound => Interlocked.Read(ref _rounds) == 0 ? 0 : Interlocked.Read(ref _requests) / (double)Interlocked.Read(ref _rounds);

    public static async Task<FanoutHarness> StartAsync(int followers)
    {
        var dir = Path.Combine(Path.GetTempPath(), "quell-bench", Guid.NewGuid().ToString("N"));
        var adminKey = Security.ApiKeySecret.New();
        var server = QuellServer.Build(new QuellServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = dir, AdminKey = adminKey });
        await server.StartAsync().ConfigureAwait(false);
        var harness = new FanoutHarness(server, followers, adminKey);
        var ready = new CountdownEvent(followers);
        for (var i = 0; i < followers; i++)
        {
            harness._followers.Add(Task.Run(() => harness.FollowAsync(ready)));
        }

        ready.Wait(TimeSpan.FromMinutes(1));
        return harness;
    }

    public async Task<TimeSpan> ChangeAndWaitAsync()
    {
        Volatile.Write(ref _remaining, _count);
        Interlocked.Exchange(ref _requests, 0);
        _allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        using var response = await _http.PostAsJsonAsync("/api/v1/mitigations", new { kind = "disable", scope = new { feature = "bench" }, reason = "fan-out benchmark", mode = "apply" }).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await _allSeen.Task.WaitAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        Interlocked.Exchange(ref _rounds, 1);
        return clock.Elapsed;
    }

    private async Task FollowAsync(CountdownEvent ready)
    {
        string? etag = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, etag is null ? "/api/v1/mitigations" : "/api/v1/mitigations?wait=30s");
                if (etag is not null)
                {
                    request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
                }

                using var response = await _http.SendAsync(request, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _requests);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    await response.Content.ReadAsByteArrayAsync(_stop.Token).ConfigureAwait(false);
                    var first = etag is null;
                    etag = response.Headers.ETag!.ToString();
                    if (first)
                    {
                        ready.Signal();
                    }
                    else if (Interlocked.Decrement(ref _remaining) == 0)
                    {
                        _allSeen.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_followers).ConfigureAwait(false);
        _http.Dispose();
        await _server.StopAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
