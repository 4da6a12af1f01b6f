using System.Net;
using System.Text;
using System.Text.Json;
using Quell.Configuration;
using Quell.Security;
using Quell.Tests.Incidents;
using Quell.Tests.Server;

namespace Quell.Tests.Security;

/// <summary>Every state-changing verb records the calling key as its actor; a "by" in the body is ignored.</summary>
public sealed class ActorTests
{
    private static readonly QuellConfig Immediate = new() { Incidents = new IncidentsConfig { Grouping = new GroupingConfig { GroupWait = TimeSpan.Zero } } };

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static bool Acknowledged(JsonElement e) =>
        e.GetProperty("kind").GetString() == "transition" && e.GetProperty("message").GetString()!.Contains("→ acknowledged", StringComparison.Ordinal);

    private static async Task<string> OpenIncidentAsync(QuellTestServer server) =>
        (await ReadAsync(await server.Client.PostAsync("/api/v1/alertmanager", Json(IncidentApiTests.AlertmanagerBody())))).GetProperty("incidents")[0].GetString()!;

    [Fact]
    public async Task Acknowledge_BodyNamesSomeoneElse_TimelineAndAuditNameTheKey()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var id = await OpenIncidentAsync(server);
        var responder = server.ClientAs("x-responder", Scopes.Respond);

        var ack = await responder.PostAsync($"/api/v1/incidents/{id}/ack", Json("""{"by":"someone-else"}"""));

        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var timeline = (await ReadAsync(ack)).GetProperty("timeline").EnumerateArray().ToList();
        var entry = Assert.Single(timeline, Acknowledged);
        Assert.Equal("x-responder", entry.GetProperty("actor").GetString());
        Assert.DoesNotContain(timeline, e => e.GetProperty("actor").GetString() == "someone-else");

        var audit = (await ReadAsync(await server.Client.GetAsync("/api/v1/audit"))).EnumerateArray().ToList();
        var logged = Assert.Single(audit, e => e.GetProperty("path").GetString() == $"/api/v1/incidents/{id}/ack");
        Assert.Equal("x-responder", logged.GetProperty("actor").GetString());
        Assert.Equal(200, logged.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task IncidentVerbs_WithoutBy_SucceedAsTheKey()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var id = await OpenIncidentAsync(server);
        var carol = server.ClientAs("carol", Scopes.Respond);

        Assert.Equal(HttpStatusCode.OK, (await carol.PostAsync($"/api/v1/incidents/{id}/assign", Json("""{"assignee":"dave"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await carol.PostAsync($"/api/v1/incidents/{id}/note", Json("""{"text":"looking","by":"mallory"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await carol.PostAsync($"/api/v1/incidents/{id}/severity", Json("""{"severity":"S1","reason":"wider","by":"mallory"}"""))).StatusCode);
        var resolved = await ReadAsync(await carol.PostAsync($"/api/v1/incidents/{id}/resolve", Json("""{"by":"mallory","note":"done"}""")));

        var actors = resolved.GetProperty("timeline").EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() is "assignment" or "note" or "severity" or "transition")
            .Select(e => e.GetProperty("actor").GetString())
            .ToList();
        Assert.Equal(4, actors.Count);
        Assert.All(actors, a => Assert.Equal("carol", a));
        Assert.DoesNotContain("mallory", resolved.GetProperty("timeline").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostmortemEdit_UpdatedByInBody_RecordsTheKey()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var id = await OpenIncidentAsync(server);
        var editor = server.ClientAs("erin", Scopes.Respond);

        var put = await editor.PutAsync($"/api/v1/postmortems/{id}", Json("""{"summary":"gateway 5xx","updated_by":"mallory","by":"mallory"}"""));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("erin", (await ReadAsync(put)).GetProperty("updated_by").GetString());
    }

    [Fact]
    public async Task CliAck_SendsBy_ServerRecordsTheKey()
    {
        await using var server = await QuellTestServer.StartAsync(Immediate);
        var id = await OpenIncidentAsync(server);
        var secret = server.MintKey([Scopes.Respond, Scopes.Read], name: "frank");

        Assert.Equal(0, await Cli.QuellCli.RunAsync(["incidents", "ack", id, "--by", "someone-else", "--json", "--server", server.BaseAddress.ToString(), "--api-key", secret]));

        var detail = await ReadAsync(await server.Client.GetAsync($"/api/v1/incidents/{id}"));
        var entry = Assert.Single(detail.GetProperty("timeline").EnumerateArray(), Acknowledged);
        Assert.Equal("frank", entry.GetProperty("actor").GetString());
    }
}
