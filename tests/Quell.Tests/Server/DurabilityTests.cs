using System.Diagnostics;
using System.Net;
using System.Text;
using Quell.Storage.Sqlite;

namespace Quell.Tests.Server;

/// <summary>A `quell serve` child process killed with SIGKILL loses nothing it acknowledged.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Serve_KilledWithSigkillWhileClientStreams_EveryAcknowledgedBatchSurvives()
    {
        var data = TempDirectory.Create();
        var acknowledged = new List<string>();
        using (var server = await QuellProcess.StartAsync(data))
        {
            using var http = server.CreateClient(TimeSpan.FromSeconds(30));
            using var streaming = new CancellationTokenSource();
            var sender = Task.Run(async () =>
            {
                for (var batch = 0; !streaming.IsCancellationRequested; batch++)
                {
                    var ids = Enumerable.Range(0, 200).Select(i => $"b{batch:D5}-{i:D3}").ToList();
                    var body = string.Join('\n', ids.Select(id => $$"""{"id":"{{id}}","timestamp":"2026-11-20T10:00:00Z","feature":"f","model":"gpt-4o","input_tokens":10,"output_tokens":2}"""));
                    try
                    {
                        using var response = await http.PostAsync("/api/v1/calls", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            lock (acknowledged)
                            {
                                acknowledged.AddRange(ids);
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                    catch (TaskCanceledException)
                    {
                        return;
                    }
                }
            });

            // Kill once a good number of batches are acknowledged, while requests are still in flight.
            while (true)
            {
                lock (acknowledged)
                {
                    if (acknowledged.Count >= 20_000)
                    {
                        break;
                    }
                }

                await Task.Delay(10);
                Assert.False(sender.IsCompleted, "the client stopped before the kill");
            }

            server.Kill();
            await streaming.CancelAsync();
            await sender;
        }

        // Restart on the same data directory: the store opens and holds every acknowledged call.
        using (var restarted = await QuellProcess.StartAsync(data))
        {
            using var http = restarted.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        }

        var database = new SqliteDatabase(Path.Combine(data, "quell.db"));
        using var connection = database.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT id FROM calls";
        var stored = new HashSet<string>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                stored.Add(reader.GetString(0));
            }
        }

        var missing = acknowledged.Where(id => !stored.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged calls lost, first {missing.FirstOrDefault()}");
        Assert.True(acknowledged.Count >= 20_000);
    }
}

/// <summary>`quell serve` as a child process on port 0, with the bound address read from its output.</summary>
public sealed class QuellProcess : IDisposable
{
    private readonly Process _process;

    private QuellProcess(Process process, Uri baseAddress, string adminKey)
    {
        _process = process;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
    }

    public Uri BaseAddress { get; }

    /// <summary>The child's process id (part of its instance id in the detector lease table).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The admin key handed to the child through QUELL_ADMIN_KEY.</summary>
    public string AdminKey { get; }

    /// <summary>A client for the child that sends its admin key; the caller disposes it.</summary>
    public HttpClient CreateClient(TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    public static Task<QuellProcess> StartAsync(string dataDirectory, params string[] extra) =>
        StartAsync(dataDirectory, new Dictionary<string, string>(), extra);

    /// <summary>Starts `quell serve` with these extra environment variables (QUELL_POSTGRES, …).</summary>
    public static async Task<QuellProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        var adminKey = Quell.Security.ApiKeySecret.New();
        var variables = environment.ToDictionary(e => e.Key, e => (string?)e.Value);
        variables["QUELL_ADMIN_KEY"] = adminKey;
        var (process, address) = await QuellExecutable.StartListeningAsync(["serve", "--urls", "http://127.0.0.1:0", "--data", dataDirectory, .. extra], variables);
        return new QuellProcess(process, address, adminKey);
    }

    public void Kill()
    {
        // Process.Kill sends SIGKILL on Unix: no shutdown hooks, no flush.
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }
}
