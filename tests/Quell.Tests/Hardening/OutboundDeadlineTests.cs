using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Quell.Configuration;
using Quell.Tests.Server;

namespace Quell.Tests.Hardening;

/// <summary>Calls Quell makes on a caller's behalf give up on a target that never answers: per attempt, and in total.</summary>
public sealed class OutboundDeadlineTests
{
    [Fact]
    public async Task Replay_TargetNeverAnswers_EveryCallReportedWithinTheDeadline()
    {
        await using var silent = new SilentServer();
        var config = new QuellConfig { Playbook = new PlaybookConfig { OutboundAttemptTimeout = TimeSpan.FromMilliseconds(300), ReplayDeadline = TimeSpan.FromSeconds(1) } };
        await using var server = await QuellTestServer.StartAsync(Quell.Tests.Security.LoopbackTargets.Allow(config));
        var now = DateTimeOffset.UtcNow.ToString("O");
        var ids = Enumerable.Range(0, 8).Select(i => $"r-{i}").ToList();
        var lines = string.Join('\n', ids.Select(id => $$"""{"id":"{{id}}","timestamp":"{{now}}","model":"gpt-4o","input":"hello","output":"hi"}"""));
        using (var ingest = await server.Client.PostAsync("/api/v1/calls", new StringContent(lines, Encoding.UTF8, "application/x-ndjson")))
        {
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        using var response = await server.Client.PostAsJsonAsync("/api/v1/replay", new { call_ids = ids, target = silent.Url, limit = 8 });
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(0, doc.RootElement.GetProperty("replayed").GetInt32());
        var errors = doc.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("error").GetString()!).ToList();
        Assert.Equal(8, errors.Count);
        Assert.Contains(errors, e => e.Contains("did not answer in time", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("deadline passed", StringComparison.Ordinal));
        Assert.True(silent.Connections >= 1);
    }

    /// <summary>Accepts TCP connections and never writes a byte back.</summary>
    private sealed class SilentServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _held = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accept;
        private int _connections;

        public SilentServer()
        {
            _listener.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
            _accept = AcceptAsync();
        }

        public string Url { get; }

        public int Connections => Volatile.Read(ref _connections);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _accept;
            }
            catch (OperationCanceledException)
            {
            }

            lock (_held)
            {
                _held.ForEach(c => c.Dispose());
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    return;
                }

                Interlocked.Increment(ref _connections);
                lock (_held)
                {
                    _held.Add(client);
                }
            }
        }
    }
}
