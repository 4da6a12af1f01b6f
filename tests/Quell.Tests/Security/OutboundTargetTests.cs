using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Quell.Calls;
using Quell.Configuration;
using Quell.Security;
using Quell.Storage;
using Quell.Tests.Playbook;
using Quell.Tests.Server;

namespace Quell.Tests.Security;

/// <summary>Replay and eval targets: callers name configured targets; ad-hoc URLs need an allowed host and a permitted address.</summary>
public sealed class OutboundTargetTests
{
    [Fact]
    public async Task Replay_ToUnlistedUrl_Refused_NothingIsSent()
    {
        var hits = 0;
        await using var victim = await LocalHttpReceiver.StartAsync(app => app.MapPost("/v1/chat/completions", () =>
        {
            Interlocked.Increment(ref hits);
            return Results.Json(new { choices = new[] { new { message = new { content = "secret" } } } });
        }));
        await using var server = await QuellTestServer.StartAsync();
        await SeedCallAsync(server);

        var response = await server.Client.PostAsJsonAsync("/api/v1/replay", new { call_ids = new[] { "c-1" }, target = victim.BaseAddress.ToString() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("security.outbound.allowed_hosts", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, hits);
    }

    [Fact]
    public async Task Replay_ToNamedTarget_IsSent()
    {
        var hits = 0;
        await using var model = await LocalHttpReceiver.StartAsync(app => app.MapPost("/v1/chat/completions", () =>
        {
            Interlocked.Increment(ref hits);
            return Results.Json(new { choices = new[] { new { message = new { content = "replayed answer" } } } });
        }));
        var config = new QuellConfig { Evals = new EvalsConfig { Targets = new Dictionary<string, EvalTargetConfig> { ["staging"] = new() { Url = model.BaseAddress.ToString(), Model = "m" } } } };
        await using var server = await QuellTestServer.StartAsync(config);
        await SeedCallAsync(server);

        var response = await server.Client.PostAsJsonAsync("/api/v1/replay", new { call_ids = new[] { "c-1" }, target = "staging" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, hits);
    }

    [Fact]
    public async Task Replay_AllowedHostResolvingToLoopback_RefusedAtConnect()
    {
        var hits = 0;
        await using var victim = await LocalHttpReceiver.StartAsync(app => app.MapPost("/v1/chat/completions", () =>
        {
            Interlocked.Increment(ref hits);
            return Results.Json(new { choices = new[] { new { message = new { content = "internal" } } } });
        }));

        // The host is allowed, but the name resolves to loopback and no internal network is allowed.
        var config = new QuellConfig { Security = new SecurityConfig { Outbound = new OutboundConfig { AllowedHosts = ["localhost"] } } };
        await using var server = await QuellTestServer.StartAsync(config);
        await SeedCallAsync(server);

        var url = $"http://localhost:{victim.BaseAddress.Port}/";
        var response = await server.Client.PostAsJsonAsync("/api/v1/replay", new { call_ids = new[] { "c-1" }, target = url });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(0, hits);
        Assert.Contains("internal address", body.GetProperty("items")[0].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalRun_RedirectToInternalHost_IsNotFollowed()
    {
        var internalHits = 0;
        await using var inner = await LocalHttpReceiver.StartAsync(app => app.MapPost("/v1/chat/completions", () =>
        {
            Interlocked.Increment(ref internalHits);
            return Results.Json(new { choices = new[] { new { message = new { content = "ok" } } } });
        }));
        await using var redirector = await LocalHttpReceiver.StartAsync(app => app.MapPost("/v1/chat/completions", () => Results.Redirect(new Uri(inner.BaseAddress, "/v1/chat/completions").ToString(), permanent: false, preserveMethod: true)));
        await using var server = await QuellTestServer.StartAsync(LoopbackTargets.Allow(new QuellConfig()));
        var suite = await server.Client.PostAsync("/api/v1/evals/suites", Json("""{"id":"faq","name":"faq"}"""));
        Assert.True(suite.IsSuccessStatusCode, await suite.Content.ReadAsStringAsync());
        var cases = await server.Client.PostAsync("/api/v1/evals/suites/faq/cases", Json("""[{"input":"hello","grader":{"kind":"contains","value":"ok"}}]"""));
        Assert.True(cases.IsSuccessStatusCode, await cases.Content.ReadAsStringAsync());

        var run = await server.Client.PostAsync("/api/v1/evals/suites/faq/run", Json($$"""{"target":"{{redirector.BaseAddress}}"}"""));

        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.Equal(0, internalHits);
    }

    [Fact]
    public void IsInternal_PrivateLoopbackLinkLocal_True_PublicFalse()
    {
        foreach (var a in new[] { "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1" })
        {
            Assert.True(OutboundPolicy.IsInternal(IPAddress.Parse(a)), a);
        }

        foreach (var a in new[] { "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "172.32.0.1" })
        {
            Assert.False(OutboundPolicy.IsInternal(IPAddress.Parse(a)), a);
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static Task SeedCallAsync(QuellTestServer server) => server.Service<ICallLog>().AppendAsync([new CallRecord
    {
        Id = "c-1",
        Timestamp = DateTimeOffset.UtcNow,
        Feature = "billing",
        Model = "gpt-4o",
        Input = "What is my balance?",
        Output = "It is 10 USD.",
    }]);
}
