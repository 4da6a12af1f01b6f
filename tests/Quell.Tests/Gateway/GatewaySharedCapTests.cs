using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Quell.Pricing;

namespace Quell.Tests.Gateway;

/// <summary>
/// Budget and loop caps across three gateway instances under many concurrent clients: the count is kept once, on
/// the Quell server, so the instances together stay within the cap.
/// </summary>
public sealed class GatewaySharedCapTests
{
    private static async Task<HttpStatusCode[]> FireAsync(GatewayEnvironment env, int requests, int concurrency, Func<int, HttpRequestMessage> make)
    {
        var clients = env.Gateways.Select((_, i) => new HttpClient { BaseAddress = env.GatewayAddress(i) }).ToArray();
        var results = new HttpStatusCode[requests];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                using var request = make(i);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", env.ClientKey);
                using var response = await clients[i % clients.Length].SendAsync(request);
                results[i] = response.StatusCode;
            }
        }));
        foreach (var c in clients)
        {
            c.Dispose();
        }

        return results;
    }

    private static HttpRequestMessage Chat(string feature, string? trace = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-quell-feature", feature);
        request.Headers.Add("x-quell-tenant", "acme");
        if (trace is not null)
        {
            request.Headers.Add("x-quell-trace-id", trace);
        }

        return request;
    }

    [Fact]
    public async Task BudgetCap_ThreeGatewaysManyClients_SpendStaysWithinTheCap()
    {
        await using var env = await GatewayEnvironment.StartAsync(gateways: 3);
        var perCall = PriceTable.Create().Find("gpt-4o-mini")!.Cost(MockModelServer.PromptTokens, MockModelServer.CompletionTokens, MockModelServer.CachedTokens);
        var cap = perCall * 40;
        await env.ApplyAsync(new { kind = "budget_cap", scope = new { feature = "agent" }, parameters = new { per = "feature", daily_usd = cap }, reason = "runaway spend", mode = "apply" });

        var statuses = await FireAsync(env, requests: 300, concurrency: 48, _ => Chat("agent"));

        var granted = statuses.Count(s => s == HttpStatusCode.OK);
        var refused = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        Assert.Equal(300, granted + refused);
        Assert.True(refused > 0, "the cap never refused a call");
        Assert.True(granted > 0, "the cap refused every call");
        var spent = granted * perCall;
        Assert.True(spent <= cap + (env.Gateways.Count * perCall), $"spent {spent:F8} against a cap of {cap:F8} with {granted} calls");
        Assert.Equal(granted, env.Upstream.Requests.Count);
    }

    [Fact]
    public async Task LoopCap_ThreeGatewaysConcurrentCallsOfOneTrace_ExactlyTheCapRuns()
    {
        await using var env = await GatewayEnvironment.StartAsync(gateways: 3);
        await env.ApplyAsync(new { kind = "loop_cap", scope = new { feature = "agent" }, parameters = new { max_calls_per_trace = 5 }, reason = "agent loop", mode = "apply" });

        var statuses = await FireAsync(env, requests: 60, concurrency: 30, i => Chat("agent", trace: i % 2 == 0 ? "trace-a" : "trace-b"));

        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        var perTrace = env.Upstream.Requests.Count;
        Assert.Equal(10, perTrace);
    }
}
