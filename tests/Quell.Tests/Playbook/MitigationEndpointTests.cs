using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Tests.Client;
using Quell.Tests.Server;

namespace Quell.Tests.Playbook;

public sealed class MitigationEndpointTests
{
    [Fact]
    public async Task Get_IfNoneMatchCurrentVersion_Returns304()
    {
        await using var server = await QuellTestServer.StartAsync();
        await ClientFunctionalTests.ApplyAsync(server, new { kind = "loop_cap", scope = new { feature = "agent" }, parameters = new { max_calls_per_trace = 5 }, reason = "loop", mode = "apply" });
        using var first = await server.Client.GetAsync("/api/v1/mitigations");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag!;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/mitigations");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal(etag, second.Headers.ETag);
    }

    [Fact]
    public async Task LongPoll_VersionChanges_ReturnsNewSet()
    {
        await using var server = await QuellTestServer.StartAsync();
        using var first = await server.Client.GetAsync("/api/v1/mitigations");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/mitigations?wait=30s");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var poll = server.Client.SendAsync(request);
        Assert.False(poll.IsCompleted);

        var id = await ClientFunctionalTests.ApplyAsync(server, new { kind = "disable", scope = new { feature = "billing" }, reason = "leak", mode = "apply" });
        using var response = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(first.Headers.ETag, response.Headers.ETag);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(id, doc.RootElement.GetProperty("mitigations")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task LongPoll_ProposedOnly_ActiveSetUnchangedButVersionMoves()
    {
        await using var server = await QuellTestServer.StartAsync();
        var id = await ClientFunctionalTests.ApplyAsync(server, new { kind = "disable", scope = new { feature = "billing" }, reason = "leak" });
        using var doc = JsonDocument.Parse(await server.Client.GetStringAsync("/api/v1/mitigations"));
        Assert.Equal(0, doc.RootElement.GetProperty("mitigations").GetArrayLength());

        // The approver is the calling key, whatever the body says.
        var alice = server.ClientWithKey(server.MintKey([Quell.Security.Scopes.Mitigate], name: "alice"));
        using var approve = await alice.PostAsJsonAsync($"/api/v1/mitigations/{id}/approve", new { actor = "mallory" });
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        using var active = JsonDocument.Parse(await server.Client.GetStringAsync("/api/v1/mitigations"));
        Assert.Equal("alice", active.RootElement.GetProperty("mitigations")[0].GetProperty("approved_by").GetString());

        using var again = await server.Client.PostAsync($"/api/v1/mitigations/{id}/approve", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var revoke = await server.Client.PostAsync($"/api/v1/mitigations/{id}/revoke", null);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var audit = JsonDocument.Parse(await server.Client.GetStringAsync($"/api/v1/mitigations/audit?mitigation_id={id}"));
        Assert.Equal(3, audit.RootElement.GetArrayLength());
    }

    [Theory]
    [InlineData("""{"kind":"nuke","reason":"x"}""", "kind")]
    [InlineData("""{"kind":"rate_limit","reason":"x","parameters":{"rate_per_second":0}}""", "parameters.rate_per_second")]
    [InlineData("""{"kind":"disable","scope":{"feature":"a"}}""", "reason")]
    [InlineData("""{"kind":"disable","scope":{"feature":"a"},"reason":"x","expires_in":"soon"}""", "expires_in")]
    [InlineData("""{"kind":"block","reason":"x","parameters":{"pattern":"(a)\\1"}}""", "parameters.pattern")]
    public async Task Post_InvalidRequest_ProblemNamesTheField(string body, string field)
    {
        await using var server = await QuellTestServer.StartAsync();
        using var content = new StringContent(body, new MediaTypeHeaderValue("application/json"));
        using var response = await server.Client.PostAsync("/api/v1/mitigations", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(doc.RootElement.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }
}
