using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Tests.Server;

namespace Quell.Tests.Hardening;

/// <summary>
/// A full ingest queue on a real host: the ingest writer is held at a gate (no timing), the queue filled to its
/// configured capacity, and then new ingest requests are refused with 429 and Retry-After before their body is read,
/// while the server goes on serving and every batch acknowledged before stays stored.
/// </summary>
public sealed class QueueFullAdmissionTests
{
    private const int Capacity = 5;
    private static readonly string Now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    [Fact]
    public async Task PostCalls_QueueFull_429WithRetryAfterBeforeTheBodyIsRead_AndAcknowledgedCallsStayStored()
    {
        var gate = new IngestWriteGate();
        var config = new QuellConfig { Queue = new IngestQueueOptions { Capacity = Capacity, RetryAfterSeconds = 2 } };
        await using var server = await QuellTestServer.StartAsync(config, writeGate: gate);
        var http = server.Client;

        // Acknowledged before the queue fills.
        using (var before = await PostCallsAsync(http, Ids("pre", 3)))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // Hold the writer with a batch that fills the queue: it is queued, not yet durable, so not yet answered.
        gate.Close();
        var filling = PostCallsAsync(http, Ids("fill", Capacity));
        await gate.WriterHeld;
        Assert.Equal(Capacity, server.Service<IngestQueue>().QueuedCalls);
        Assert.False(filling.IsCompleted);

        // Refused on the queue alone: a body that would be a 400 if it were parsed gets 429.
        using (var garbage = await http.PostAsync("/api/v1/calls", new StringContent("this is not JSON", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, garbage.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), garbage.Headers.RetryAfter?.Delta);
            Assert.Contains("nothing was read", await garbage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var otlp = new ByteArrayContent([0x0a, 0xff, 0xff]))
        {
            otlp.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            using var traces = await http.PostAsync("/v1/traces", otlp);
            Assert.Equal(HttpStatusCode.TooManyRequests, traces.StatusCode);
            Assert.NotNull(traces.Headers.RetryAfter);
        }

        // Refused before the body arrives at all: only the head and a few bytes of a 64 KiB body are ever sent.
        var (status, headers) = await PostHeadOnlyAsync(server, "/api/v1/calls", declaredLength: 65_536, prefix: """[{"id":"never-1","timestamp":""");
        Assert.Equal(429, status);
        Assert.Equal("2", headers.GetValueOrDefault("retry-after"));

        // A valid batch is refused too, and stays unstored.
        using (var refused = await PostCallsAsync(http, Ids("never", 1)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        // Still serving while the queue is full: health and reads answer.
        using (var health = await http.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using (var read = await http.GetAsync("/api/v1/calls/pre-1"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        gate.Open();
        using (var filled = await filling)
        {
            Assert.Equal(HttpStatusCode.OK, filled.StatusCode);
            using var doc = JsonDocument.Parse(await filled.Content.ReadAsStringAsync());
            Assert.Equal(Capacity, doc.RootElement.GetProperty("accepted").GetInt32());
        }

        using (var after = await PostCallsAsync(http, Ids("post", 2)))
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }

        foreach (var id in Ids("pre", 3).Concat(Ids("fill", Capacity)).Concat(Ids("post", 2)))
        {
            using var stored = await http.GetAsync($"/api/v1/calls/{id}");
            Assert.True(stored.StatusCode == HttpStatusCode.OK, $"{id} was acknowledged but reads {(int)stored.StatusCode}");
        }

        using var never = await http.GetAsync("/api/v1/calls/never-1");
        Assert.Equal(HttpStatusCode.NotFound, never.StatusCode);
    }

    private static string[] Ids(string prefix, int n) => [.. Enumerable.Range(1, n).Select(i => $"{prefix}-{i}")];

    private static Task<HttpResponseMessage> PostCallsAsync(HttpClient http, IEnumerable<string> ids)
    {
        var body = "[" + string.Join(',', ids.Select(id => $$"""{"id":"{{id}}","timestamp":"{{Now}}","model":"gpt-4o","input_tokens":10,"output_tokens":2}""")) + "]";
        return http.PostAsync("/api/v1/calls", new StringContent(body, Encoding.UTF8, "application/json"));
    }

    /// <summary>Sends a request head declaring a long body and only its first bytes, then reads the response head.</summary>
    private static async Task<(int Status, Dictionary<string, string> Headers)> PostHeadOnlyAsync(QuellTestServer server, string path, int declaredLength, string prefix)
    {
        var address = server.BaseAddress;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {server.AdminKey}\r\nContent-Type: application/json\r\nContent-Length: {declaredLength}\r\n\r\n{prefix}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.FlushAsync();

        var received = new List<byte>();
        var buffer = new byte[4096];
        while (!EndsHead(received))
        {
            var n = await stream.ReadAsync(buffer);
            Assert.True(n > 0, "the server closed the connection without a response");
            received.AddRange(buffer.AsSpan(0, n));
        }

        var text = Encoding.ASCII.GetString([.. received]);
        var lines = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        return (status, headers);
    }

    private static bool EndsHead(List<byte> bytes)
    {
        for (var i = 3; i < bytes.Count; i++)
        {
            if (bytes[i - 3] == '\r' && bytes[i - 2] == '\n' && bytes[i - 1] == '\r' && bytes[i] == '\n')
            {
                return true;
            }
        }

        return false;
    }
}
