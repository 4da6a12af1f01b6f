using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Server;
using Quell.Tests.Server;

namespace Quell.Tests.Hardening;

/// <summary>Overload is refused before a body is read: a request over the cap on bodies in flight gets 503 with Retry-After at once.</summary>
public sealed class OverloadAdmissionTests
{
    [Fact]
    public async Task PostCalls_WhileTheOnlyBodySlotIsTaken_503WithRetryAfterAndNothingRead()
    {
        await using var server = await QuellTestServer.StartAsync(new QuellConfig { Limits = new IngestLimits { MaxConcurrentBodies = 1 } });
        var budget = server.Service<BodyBudget>();
        var release = new TaskCompletionSource();
        var slow = server.ClientWithKey(server.AdminKey);
        var held = slow.PostAsync("/api/v1/calls", new TrickleContent(release.Task));
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (budget.Bodies == 0)
            {
                wait.Token.ThrowIfCancellationRequested();
                await Task.Yield();
            }
        }

        var now = DateTimeOffset.UtcNow.ToString("O");
        using (var refused = await server.Client.PostAsync("/api/v1/calls", new StringContent($$"""[{"id":"second","timestamp":"{{now}}"}]""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("retry later", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        release.SetResult();
        using var first = await held;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(0, budget.Bodies);
        using var after = await server.Client.PostAsync("/api/v1/calls", new StringContent($$"""[{"id":"third","timestamp":"{{now}}"}]""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    /// <summary>Sends half a record, waits, then the rest: holds a body slot open for as long as the test wants.</summary>
    private sealed class TrickleContent : HttpContent
    {
        private readonly Task _release;

        public TrickleContent(Task release)
        {
            _release = release;
            Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var now = DateTimeOffset.UtcNow.ToString("O");
            var line = Encoding.UTF8.GetBytes($$"""{"id":"first","timestamp":"{{now}}"}""");
            await stream.WriteAsync(line.AsMemory(0, 10));
            await stream.FlushAsync();
            await _release;
            await stream.WriteAsync(line.AsMemory(10));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
