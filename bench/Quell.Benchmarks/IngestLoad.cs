using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Quell.Calls;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Server;
using Quell.Simulation;

namespace Quell.Benchmarks;

/// <summary>
/// End-to-end ingest load: realistic call records over HTTP on loopback into SQLite (WAL, synchronous=FULL,
/// acknowledged only after commit) or, with --postgres, into PostgreSQL (binary COPY, acknowledged after COMMIT) in a
/// fresh schema that is dropped afterwards. Usage: load [--calls N] [--batch N] [--concurrency N]
/// [--server URL [--api-key KEY]] [--postgres CONNSTRING] [--no-scan] [--no-detect] [--no-auth].
/// In-process, requests carry an ingest-scoped key unless --no-auth turns keys off.
/// </summary>
internal static class IngestLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var calls = Int(args, "--calls", 1_000_000);
        var batch = Int(args, "--batch", 1000);
        var concurrency = Int(args, "--concurrency", 4);
        var external = Str(args, "--server");

        Console.Error.WriteLine($"generating {calls:N0} simulated calls…");
        var records = new AppSimulator(new SimulationOptions { Seed = 1, Duration = TimeSpan.FromDays(60), RequestsPerSecond = 2 })
            .Run().OfType<SimulatedCall>().Take(calls).Select(c => c.Call).ToList();
        var bodies = records.Chunk(batch).Select(CallRecordJsonWriter.ToNdjson).ToList();
        var bytes = bodies.Sum(b => (long)b.Length);

        Microsoft.AspNetCore.Builder.WebApplication? app = null;
        Uri baseAddress;
        var noAuth = args.Contains("--no-auth");
        var apiKey = Str(args, "--api-key");
        string? dataDir = null;
        var postgres = Str(args, "--postgres");
        string? schema = null;
        if (postgres is not null)
        {
            schema = "quell_load_" + Guid.NewGuid().ToString("N")[..12];
            await ExecuteAsync(postgres, $"CREATE SCHEMA {schema}").ConfigureAwait(false);
            postgres = new Npgsql.NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ConnectionString;
        }

        if (external is null)
        {
            dataDir = Path.Combine(Path.GetTempPath(), "quell-load-" + Guid.NewGuid().ToString("N"));
            var config = args.Contains("--no-scan") ? new Configuration.QuellConfig { DefaultFeature = new Configuration.FeatureConfig { Scan = false } } : new Configuration.QuellConfig();
            app = QuellServer.Build(new QuellServerOptions
            {
                Detection = new Server.Detection.DetectionServiceOptions { Enabled = !args.Contains("--no-detect") },
                Config = config with { Security = new Configuration.SecurityConfig { RequireApiKeys = !noAuth } },
                AdminKey = Security.ApiKeySecret.New(),
                Urls = "http://127.0.0.1:0",
                DataDirectory = dataDir,
                Postgres = postgres,
                Time = new SimulationClock(new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero)),
            });
            await app.StartAsync().ConfigureAwait(false);
            baseAddress = app.BoundAddress();
            apiKey = noAuth ? null : app.Services.GetRequiredService<Security.ApiKeyService>().Create(new Security.ApiKeyRequest("load", [Security.Scopes.Ingest]), "bench").Secret;
        }
        else
        {
            baseAddress = new Uri(external);
        }

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        var next = -1;
        long accepted = 0, retries = 0;
        var latencies = new double[bodies.Count];
        Console.Error.WriteLine($"store {(postgres is null ? "sqlite" : "postgresql schema " + schema)}; api keys {(apiKey is null ? "off" : "on")}; sending {records.Count:N0} calls ({bytes / 1e6:N1} MB) in {bodies.Count:N0} requests of {batch}, {concurrency} in flight, to {baseAddress}");
        var wall = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                var started = Stopwatch.GetTimestamp();
                while (true)
                {
                    using var content = new ByteArrayContent(bodies[i]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                    using var response = await http.PostAsync(new Uri("/api/v1/calls", UriKind.Relative), content).ConfigureAwait(false);
                    if ((int)response.StatusCode is 429 or 503)
                    {
                        Interlocked.Increment(ref retries);
                        await Task.Delay(20).ConfigureAwait(false);
                        continue;
                    }

                    response.EnsureSuccessStatusCode();
                    var result = await response.Content.ReadFromJsonAsync(ServerJsonContext.Default.IngestResponse).ConfigureAwait(false);
                    Interlocked.Add(ref accepted, result!.Accepted + result.Duplicates);
                    break;
                }

                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        wall.Stop();

        Array.Sort(latencies);
        var rate = accepted / wall.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"calls={accepted} seconds={wall.Elapsed.TotalSeconds:F2} calls_per_second={rate:F0} MB_per_second={bytes / 1e6 / wall.Elapsed.TotalSeconds:F1} request_p50_ms={latencies[latencies.Length / 2]:F1} request_p99_ms={latencies[(int)(latencies.Length * 0.99)]:F1} retries_429={retries}"));
        if (app is not null)
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }

        if (schema is not null)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(Str(args, "--postgres")!, $"DROP SCHEMA {schema} CASCADE").ConfigureAwait(false);
        }

        return accepted == records.Count ? 0 : 1;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static int Int(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string? Str(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
