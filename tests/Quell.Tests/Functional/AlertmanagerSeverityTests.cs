using System.Net;
using System.Text;
using System.Text.Json;
using Quell.Configuration;
using Quell.Tests.Incidents;
using Quell.Tests.Server;
using Quell.Yaml;

namespace Quell.Tests.Functional;

/// <summary>Alertmanager's severity labels and runbook/dashboard annotations reach the incident and its pages.</summary>
public sealed class AlertmanagerSeverityTests
{
    private const string Runbook = "https://wiki.example.com/runbooks/gateway-5xx";
    private const string Dashboard = "https://grafana.example.com/d/gw?orgId=1";

    private static string Body(string labels, string annotations = "") =>
        IncidentApiTests.AlertmanagerBody(extraLabels: labels)
            .Replace("\"description\":\"error ratio 7.2%\"", "\"description\":\"error ratio 7.2%\"" + annotations, StringComparison.Ordinal);

    [Fact]
    public async Task CriticalSeverityWithRunbookAndDashboard_S1IncidentAndPagesCarryTheLinks()
    {
        await using var rig = await PagingRig.StartAsync();
        var response = await rig.Server.Client.PostAsync("/api/v1/alertmanager", Json(Body(",\"severity\":\"critical\"", $",\"runbook_url\":\"{Runbook}\",\"dashboard\":\"{Dashboard}\"")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("incidents")[0].GetString()!;

        var incident = await rig.IncidentAsync(id);
        Assert.Equal("S1", incident.GetProperty("severity").GetString());
        var links = incident.GetProperty("links").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Equal([Runbook, Dashboard, "http://prometheus:9090/graph"], links);
        var detected = incident.GetProperty("timeline").EnumerateArray().First(e => e.GetProperty("kind").GetString() == "detected");
        Assert.Contains("set by the alert's severity=critical label", detected.GetProperty("message").GetString(), StringComparison.Ordinal);

        rig.Pass(TimeSpan.FromSeconds(30));
        await rig.SettleAsync(id, requests: 3, notifications: 3);
        var pd = Assert.Single(rig.Received("/v2/enqueue"));
        Assert.Equal("critical", pd.GetProperty("payload").GetProperty("severity").GetString());
        var pdLinks = pd.GetProperty("links").EnumerateArray().Select(l => (l.GetProperty("href").GetString(), l.GetProperty("text").GetString())).ToList();
        Assert.Contains((Runbook, "Runbook"), pdLinks);
        Assert.Contains((Dashboard, "Dashboard"), pdLinks);
        var slack = Assert.Single(rig.Received("/slack")).GetRawText();
        Assert.Contains("Runbook", slack, StringComparison.Ordinal);
        Assert.Contains("grafana.example.com/d/gw", slack, StringComparison.Ordinal);
        var hookLinks = Assert.Single(rig.Received("/hook")).GetProperty("links").EnumerateArray().Select(l => l.GetProperty("href").GetString()).ToList();
        Assert.Contains(Runbook, hookLinks);
        Assert.Contains(Dashboard, hookLinks);
    }

    [Theory]
    [InlineData(",\"severity\":\"warning\"", "S3")]
    [InlineData(",\"severity\":\"ERROR\"", "S2")]
    [InlineData(",\"severity\":\"warning\",\"quell_severity\":\"S1\"", "S1")]
    public async Task SeverityLabels_DefaultRules_MapToSeverity(string labels, string expected)
    {
        await using var server = await QuellTestServer.StartAsync(new QuellConfig { Incidents = new IncidentsConfig { Grouping = new GroupingConfig { GroupWait = TimeSpan.Zero } } });
        var id = await FireAsync(server, Body(labels));
        Assert.Equal(expected, (await DetailAsync(server, id)).GetProperty("severity").GetString());
    }

    [Fact]
    public async Task SeverityRules_FromConfig_ReplaceTheDefaults()
    {
        var config = ConfigLoader.Parse("""
            alertmanager:
              severity_rules:
                - { label: priority, values: [P1, P2], severity: S1 }
                - { label: severity, values: [critical], severity: S2 }
            """);
        await using var server = await QuellTestServer.StartAsync(config);
        Assert.Equal("S1", (await DetailAsync(server, await FireAsync(server, Body(",\"priority\":\"p2\",\"severity\":\"critical\"")))).GetProperty("severity").GetString());
        Assert.Equal("S2", (await DetailAsync(server, await FireAsync(server, IncidentApiTests.AlertmanagerBody(fingerprint: "ffee01", alertname: "Other", extraLabels: ",\"severity\":\"critical\"")))).GetProperty("severity").GetString());
    }

    [Fact]
    public async Task LinkAnnotations_NotHttp_AreIgnored()
    {
        await using var server = await QuellTestServer.StartAsync();
        var id = await FireAsync(server, Body(string.Empty, ",\"runbook_url\":\"javascript:alert(1)\",\"dashboard\":\"/relative/path\""));
        var links = (await DetailAsync(server, id)).GetProperty("links").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Equal(["http://prometheus:9090/graph"], links);
    }

    [Fact]
    public void Config_RuleWithUnknownSeverity_RefusedAtLoad()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""
            alertmanager:
              severity_rules:
                - { label: severity, values: [critical], severity: S9 }
            """));
        Assert.Contains("alertmanager.severity_rules[0].severity", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<string> FireAsync(QuellTestServer server, string body)
    {
        var response = await server.Client.PostAsync("/api/v1/alertmanager", Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("incidents")[0].GetString()!;
    }

    private static async Task<JsonElement> DetailAsync(QuellTestServer server, string id) =>
        JsonDocument.Parse(await server.Client.GetStringAsync($"/api/v1/incidents/{id}")).RootElement;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
