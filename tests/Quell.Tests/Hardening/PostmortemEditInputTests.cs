using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Tests.Server;

namespace Quell.Tests.Hardening;

/// <summary>
/// Regression tests for the 500s the fuzzer found on <c>PUT /api/v1/postmortems/{id}</c>: a nested object given in
/// part (<c>"impact":{}</c>) lost its members' defaults and crashed the Markdown render; wrong types and nulls inside
/// nested fields got through to the store. Each now answers 400 naming the field, or merges as a partial edit.
/// </summary>
public sealed class PostmortemEditInputTests : IAsyncLifetime
{
    private QuellTestServer _server = null!;
    private string _incident = null!;

    public async Task InitializeAsync()
    {
        _server = await QuellTestServer.StartAsync();
        _incident = await InputFuzzTests.SeedAsync(_server.Client, DateTimeOffset.UtcNow);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string> WrongFields() => new()
    {
        { """{"impact":"i"}""", "impact:" },
        { """{"summary":{}}""", "summary:" },
        { """{"title":[]}""", "title:" },
        { """{"impact":{"scope":null}}""", "impact.scope:" },
        { """{"impact":{"scope":{}}}""", "impact.scope:" },
        { """{"impact":{"calls":{}}}""", "impact.calls:" },
        { """{"impact":{"calls":1e400}}""", "impact.calls:" },
        { """{"impact":{"cost_usd":"x"}}""", "impact.cost_usd:" },
        { """{"impact":{"entities":{"EMAIL_ADDRESS":{}}}}""", "impact.entities" },
        { """{"impact":{"leaked_from_tenants":[null]}}""", "impact.leaked_from_tenants[0]:" },
        { """{"action_items":[{}]}""", "action_items" },
        { """{"action_items":[{"text":null}]}""", "action_items[0].text:" },
        { """{"action_items":[{"text":"t","status":"banana"}]}""", "action_items[0].status:" },
        { """{"action_items":{}}""", "action_items:" },
        { """{"facts":[{}]}""", "facts[0].name:" },
        { """{"facts":[null]}""", "facts[0]:" },
        { """{"facts":[{"name":"n","seconds":1e300,"text":"t","source":"s"}]}""", "facts[0].seconds:" },
        { """{"timeline":[{"at":"2026-01-01T00:00:00Z"}]}""", "timeline[0].kind:" },
        { """{"went_well":[null]}""", "went_well[0]:" },
        { """{"went_well":[{}]}""", "went_well[0]:" },
        { """{"due_at":{}}""", "due_at:" },
        { """{"status":null}""", "status:" },
    };

    [Theory]
    [MemberData(nameof(WrongFields))]
    public async Task Put_WrongTypeOrNullInAField_Returns400NamingTheField(string body, string field)
    {
        using var response = await PutAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(field, text, StringComparison.Ordinal);
        using var export = await _server.Client.GetAsync($"/api/v1/postmortems/{_incident}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
    }

    [Fact]
    public async Task Put_ImpactAsEmptyObject_KeepsTheFiguresAndRendersMarkdown()
    {
        var before = await _server.Client.GetFromJsonAsync<JsonElement>($"/api/v1/postmortems/{_incident}");
        using var response = await PutAsync("""{"impact":{},"summary":"edited"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var saved = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("edited", saved.GetProperty("summary").GetString());
        Assert.Equal(before.GetProperty("impact").GetRawText(), saved.GetProperty("impact").GetRawText());
        var md = await _server.Client.GetStringAsync($"/api/v1/postmortems/{_incident}/export");
        Assert.Contains("## Impact", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_ImpactGivenInPart_ChangesOnlyTheGivenMembers()
    {
        var before = await _server.Client.GetFromJsonAsync<JsonElement>($"/api/v1/postmortems/{_incident}");
        using var response = await PutAsync("""{"impact":{"note":"counted by hand"}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var impact = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("impact");
        Assert.Equal("counted by hand", impact.GetProperty("note").GetString());
        Assert.Equal(before.GetProperty("impact").GetProperty("scope").GetString(), impact.GetProperty("scope").GetString());
        Assert.Equal(before.GetProperty("impact").GetProperty("calls").GetInt64(), impact.GetProperty("calls").GetInt64());
    }

    [Fact]
    public async Task Put_NewActionItemWithTextOnly_IsOpenedAndNumbered()
    {
        using var response = await PutAsync("""{"action_items":[{"text":"add a canary"}]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("action_items")[0];
        Assert.Equal("open", item.GetProperty("status").GetString());
        Assert.Equal("a1", item.GetProperty("id").GetString());
    }

    private Task<HttpResponseMessage> PutAsync(string body) =>
        _server.Client.PutAsync($"/api/v1/postmortems/{_incident}", new StringContent(body, Encoding.UTF8, "application/json"));
}
