using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Quell.Calls;
using Quell.Configuration;
using Quell.Security;
using Quell.Storage;
using Quell.Tests.Server;

namespace Quell.Tests.Security;

/// <summary>Tenant pins and read limits, content masking, actors from keys, the two-person rule, the audit log, CSRF guards.</summary>
public sealed class AccessRulesTests
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task PinnedIngestKey_OtherTenantsCalls_RefusedOwnAndUnlabelledKept()
    {
        await using var server = await QuellTestServer.StartAsync();
        var acme = server.ClientWithKey(server.MintKey([Scopes.Ingest], tenant: "acme"));
        var body = """
            [{"id":"a1","timestamp":"2026-11-20T10:00:00Z","tenant":"acme","feature":"f","model":"gpt-4o"},
             {"id":"g1","timestamp":"2026-11-20T10:00:00Z","tenant":"globex","feature":"f","model":"gpt-4o"},
             {"id":"n1","timestamp":"2026-11-20T10:00:00Z","feature":"f","model":"gpt-4o"}]
            """;

        var response = await acme.PostAsync("/api/v1/calls", Json(body));
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, result.GetProperty("accepted").GetInt32());
        var error = Assert.Single(result.GetProperty("errors").EnumerateArray());
        Assert.Equal(1, error.GetProperty("index").GetInt32());
        Assert.Equal("tenant", error.GetProperty("field").GetString());
        var log = server.Service<ICallLog>();
        Assert.Null(await log.GetAsync("g1"));
        Assert.Equal("acme", (await log.GetAsync("n1"))!.Value.Call.Tenant);

        var onlyOther = await acme.PostAsync("/api/v1/calls", Json("""[{"id":"g2","timestamp":"2026-11-20T10:00:00Z","tenant":"globex","feature":"f","model":"gpt-4o"}]"""));
        Assert.Equal(HttpStatusCode.Forbidden, onlyOther.StatusCode);
    }

    [Fact]
    public async Task PinnedIngestKey_ThroughQuellClient_CannotWriteAnotherTenant()
    {
        await using var server = await QuellTestServer.StartAsync();
        var key = server.MintKey([Scopes.Ingest, Scopes.Read], tenant: "acme");
        await using (var connection = new Quell.Client.QuellConnection(new Quell.Client.QuellClientOptions { Endpoint = server.BaseAddress, ApiKey = key, Feature = "support_chat", FollowMitigations = false }))
        {
            using var chat = Client.ClientFunctionalTests.Pipeline(connection, new Client.FakeChatModel());
            await chat.GetResponseAsync("hi", new ChatOptions { AdditionalProperties = new() { [Quell.Client.QuellClientOptions.TenantKey] = "acme" } });
            await chat.GetResponseAsync("hi", new ChatOptions { AdditionalProperties = new() { [Quell.Client.QuellClientOptions.TenantKey] = "globex" } });
            await connection.FlushAsync();
        }

        var calls = await server.Service<ICallLog>().QueryAsync(new CallQuery { Limit = 10 });
        Assert.All(calls, c => Assert.Equal("acme", c.Call.Tenant));
        Assert.Single(calls);
    }

    [Fact]
    public async Task Calls_ReaderWithoutReadContent_SeesFiguresButNoText()
    {
        await using var server = await QuellTestServer.StartAsync();
        await server.Service<ICallLog>().AppendAsync([new CallRecord { Id = "c1", Timestamp = DateTimeOffset.UtcNow, Tenant = "acme", Feature = "f", Model = "gpt-4o", InputTokens = 12, Input = "my card is 4111 1111 1111 1111", Output = "noted", SystemPrompt = "be nice" }]);

        var masked = JsonDocument.Parse(await server.ClientWith(Scopes.Read).GetStringAsync("/api/v1/calls/c1")).RootElement;
        Assert.Equal(ContentMask.Masked, masked.GetProperty("input").GetString());
        Assert.Equal(ContentMask.Masked, masked.GetProperty("system_prompt").GetString());
        Assert.Equal(12, masked.GetProperty("input_tokens").GetInt32());
        Assert.DoesNotContain("4111", masked.GetRawText(), StringComparison.Ordinal);

        var full = JsonDocument.Parse(await server.ClientWith(Scopes.ReadContent).GetStringAsync("/api/v1/calls/c1")).RootElement;
        Assert.Equal("my card is 4111 1111 1111 1111", full.GetProperty("input").GetString());
    }

    [Fact]
    public async Task Calls_KeyLimitedToTenant_SeesOnlyThatTenant()
    {
        await using var server = await QuellTestServer.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await server.Service<ICallLog>().AppendAsync([
            new CallRecord { Id = "a", Timestamp = now, Tenant = "acme", Feature = "f", Model = "m" },
            new CallRecord { Id = "g", Timestamp = now, Tenant = "globex", Feature = "f", Model = "m" }]);
        var acmeReader = server.ClientWithKey(server.MintKey([Scopes.ReadContent], readTenants: ["acme"]));

        var list = JsonDocument.Parse(await acmeReader.GetStringAsync("/api/v1/calls")).RootElement;
        Assert.Equal(["acme"], list.EnumerateArray().Select(c => c.GetProperty("tenant").GetString()).ToList());
        Assert.Equal(HttpStatusCode.Forbidden, (await acmeReader.GetAsync("/api/v1/calls?tenant=globex")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acmeReader.GetAsync("/api/v1/calls/g")).StatusCode);
    }

    [Fact]
    public async Task Canaries_OnlyAdminReadsValues()
    {
        await using var server = await QuellTestServer.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/canaries", Json("""{"tenant":"acme"}"""))).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await server.ClientWith(Scopes.ReadContent, Scopes.Respond, Scopes.Mitigate, Scopes.Ingest).GetAsync("/api/v1/canaries")).StatusCode);
        Assert.Single(JsonDocument.Parse(await server.Client.GetStringAsync("/api/v1/canaries")).RootElement.EnumerateArray());
    }

    [Fact]
    public async Task Mitigation_ActorsAreKeys_FreeTextIgnored()
    {
        await using var server = await QuellTestServer.StartAsync();
        var alice = server.ClientWithKey(server.MintKey([Scopes.Mitigate], name: "alice"));
        var bob = server.ClientWithKey(server.MintKey([Scopes.Mitigate], name: "bob"));

        var created = JsonDocument.Parse(await (await alice.PostAsync("/api/v1/mitigations", Json("""{"kind":"disable","scope":{"feature":"chat"},"reason":"leak","created_by":"mallory"}"""))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("alice", created.GetProperty("created_by").GetString());
        var id = created.GetProperty("id").GetString();
        var approved = JsonDocument.Parse(await (await bob.PostAsync($"/api/v1/mitigations/{id}/approve", Json("""{"actor":"mallory"}"""))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("bob", approved.GetProperty("approved_by").GetString());
    }

    [Fact]
    public async Task TwoPersonRule_ProposerCannotApproveOrApplyAtOnce_SecondKeyCan()
    {
        var config = new QuellConfig { Security = new SecurityConfig { TwoPerson = new TwoPersonRule { Kinds = ["disable"], CustomerFacingOnly = true } } };
        await using var server = await QuellTestServer.StartAsync(config);
        var alice = server.ClientWithKey(server.MintKey([Scopes.Mitigate], name: "alice"));
        var bob = server.ClientWithKey(server.MintKey([Scopes.Mitigate], name: "bob"));

        var apply = await alice.PostAsync("/api/v1/mitigations", Json("""{"kind":"disable","scope":{"feature":"chat"},"reason":"leak","mode":"apply"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, apply.StatusCode);

        var proposed = JsonDocument.Parse(await (await alice.PostAsync("/api/v1/mitigations", Json("""{"kind":"disable","scope":{"feature":"chat"},"reason":"leak"}"""))).Content.ReadAsStringAsync()).RootElement;
        var id = proposed.GetProperty("id").GetString();
        var self = await alice.PostAsync($"/api/v1/mitigations/{id}/approve", Json("{}"));
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Contains("another key", await self.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var other = await bob.PostAsync($"/api/v1/mitigations/{id}/approve", Json("{}"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        // A kind outside the rule still applies at once.
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsync("/api/v1/mitigations", Json("""{"kind":"loop_cap","scope":{"feature":"chat"},"parameters":{"max_calls_per_trace":5},"reason":"loop","mode":"apply"}"""))).StatusCode);
    }

    [Fact]
    public async Task Audit_MutatingRequests_RecordedWithKeyRouteStatusAndAddress()
    {
        await using var server = await QuellTestServer.StartAsync();
        var responder = server.ClientWithKey(server.MintKey([Scopes.Respond], name: "carol"));
        await responder.PostAsync("/api/v1/silences", Json("""{"matchers":["feature=chat"],"duration":"1h","comment":"deploy"}"""));
        await server.AnonymousClient().PostAsync("/api/v1/mitigations", Json("{}"));
        await responder.GetAsync("/api/v1/incidents");

        var entries = JsonDocument.Parse(await server.Client.GetStringAsync("/api/v1/audit")).RootElement.EnumerateArray().ToList();

        var silence = Assert.Single(entries, e => e.GetProperty("path").GetString() == "/api/v1/silences");
        Assert.Equal("carol", silence.GetProperty("actor").GetString());
        Assert.Equal("POST", silence.GetProperty("method").GetString());
        Assert.Equal("127.0.0.1", silence.GetProperty("remote_address").GetString());
        Assert.StartsWith("key_", silence.GetProperty("key_id").GetString(), StringComparison.Ordinal);
        var refused = Assert.Single(entries, e => e.GetProperty("path").GetString() == "/api/v1/mitigations");
        Assert.Equal("anonymous", refused.GetProperty("actor").GetString());
        Assert.Equal(401, refused.GetProperty("status").GetInt32());
        Assert.DoesNotContain(entries, e => e.GetProperty("method").GetString() == "GET");
        Assert.Equal(HttpStatusCode.Forbidden, (await responder.GetAsync("/api/v1/audit")).StatusCode);
    }

    [Fact]
    public async Task StateChange_AsTextPlainOrForm_Refused415BeforeAnything()
    {
        await using var server = await QuellTestServer.StartAsync();
        var body = """{"kind":"disable","scope":{"feature":"chat"},"reason":"x","mode":"apply"}""";

        var plain = await server.Client.PostAsync("/api/v1/mitigations", new StringContent(body, Encoding.UTF8, "text/plain"));
        var form = await server.Client.PostAsync("/api/v1/mitigations", new FormUrlEncodedContent([new("kind", "disable")]));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Empty(JsonDocument.Parse(await server.Client.GetStringAsync("/api/v1/mitigations")).RootElement.GetProperty("mitigations").EnumerateArray());
    }

    [Fact]
    public async Task EveryResponse_CarriesSecurityHeaders()
    {
        await using var server = await QuellTestServer.StartAsync();
        foreach (var response in new[] { await server.AnonymousClient().GetAsync("/healthz"), await server.AnonymousClient().GetAsync("/api/v1/calls"), await server.Client.GetAsync("/api/v1/calls") })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AllowedHosts_OtherHostHeader_Refused()
    {
        await using var server = await QuellTestServer.StartAsync(new QuellConfig { Security = new SecurityConfig { AllowedHosts = ["127.0.0.1"] } });
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        rebound.Headers.Host = "attacker.example";

        Assert.Equal(HttpStatusCode.BadRequest, (await server.Client.SendAsync(rebound)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Cors_OffByDefault_ListedOriginAllowedWithHeaderKey()
    {
        await using var closed = await QuellTestServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/incidents");
        request.Headers.Add("Origin", "https://evil.example");
        Assert.False((await closed.Client.SendAsync(request)).Headers.Contains("Access-Control-Allow-Origin"));

        await using var open = await QuellTestServer.StartAsync(new QuellConfig { Security = new SecurityConfig { CorsOrigins = ["https://console.example"] } });
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/incidents");
        preflight.Headers.Add("Origin", "https://console.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        var answer = await open.AnonymousClient().SendAsync(preflight);
        Assert.Equal("https://console.example", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task CliKeys_CreateListRevoke_ThroughTheServer()
    {
        await using var server = await QuellTestServer.StartAsync();
        var url = server.BaseAddress.ToString();

        Assert.Equal(0, await Cli.QuellCli.RunAsync(["keys", "create", "ci-bot", "--scope", "ingest", "--tenant", "acme", "--server", url, "--api-key", server.AdminKey]));
        var key = server.Service<ApiKeyService>().List().Single(k => k.Name == "ci-bot");
        Assert.Equal("acme", key.Tenant);
        Assert.Equal(0, await Cli.QuellCli.RunAsync(["keys", "list", "--server", url, "--api-key", server.AdminKey]));
        Assert.Equal(0, await Cli.QuellCli.RunAsync(["keys", "revoke", key.Id, "--server", url, "--api-key", server.AdminKey]));
        Assert.False(server.Service<ApiKeyService>().List().Single(k => k.Name == "ci-bot").IsActive);
        Assert.Equal(0, await Cli.QuellCli.RunAsync(["audit", "--server", url, "--api-key", server.AdminKey]));
        Assert.Equal(1, await Cli.QuellCli.RunAsync(["keys", "list", "--server", url]));
    }
}
