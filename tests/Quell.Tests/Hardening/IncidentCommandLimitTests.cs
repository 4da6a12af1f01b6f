using System.Net;
using System.Text;
using System.Text.Json;
using Quell.Tests.Server;

namespace Quell.Tests.Hardening;

/// <summary>
/// Regression tests for the fuzz campaign that ran the host out of memory: incident notes had no length limit, so
/// megabyte notes piled up on one incident's timeline, which every later command answer carries back in full.
/// </summary>
public sealed class IncidentCommandLimitTests : IAsyncLifetime
{
    private QuellTestServer _server = null!;
    private string _incident = null!;

    public async Task InitializeAsync()
    {
        _server = await QuellTestServer.StartAsync();
        _incident = await InputFuzzTests.SeedAsync(_server.Client, DateTimeOffset.UtcNow);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("note", "text", 8193)]
    [InlineData("note", "by", 513)]
    [InlineData("resolve", "note", 8193)]
    [InlineData("assign", "assignee", 513)]
    [InlineData("severity", "reason", 8193)]
    public async Task Post_StringFieldOverTheLimit_400NamingTheFieldAndNothingRecorded(string verb, string field, int length)
    {
        var before = await TimelineCountAsync();
        var body = JsonSerializer.Serialize(new Dictionary<string, string> { [field] = new string('x', length), ["severity"] = "S2" });
        using var response = await _server.Client.PostAsync($"/api/v1/incidents/{_incident}/{verb}", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Contains($"{field}: is {length} characters long", text, StringComparison.Ordinal);
        Assert.Equal(before, await TimelineCountAsync());
    }

    [Fact]
    public async Task PostNote_AtTheLimit_Recorded()
    {
        var before = await TimelineCountAsync();
        var body = JsonSerializer.Serialize(new { text = new string('x', 8192), by = new string('a', 512) });
        using var response = await _server.Client.PostAsync($"/api/v1/incidents/{_incident}/note", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before + 1, await TimelineCountAsync());
    }

    private async Task<int> TimelineCountAsync() =>
        JsonDocument.Parse(await _server.Client.GetStringAsync($"/api/v1/incidents/{_incident}")).RootElement.GetProperty("timeline").GetArrayLength();
}
