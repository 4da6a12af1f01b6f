using System.Text.Json;
using Quell.Tests.Server;

namespace Quell.Tests.Incidents;

/// <summary>The incident, report and search verbs of the `quell` command, run as processes against a real server.</summary>
public sealed class CliVerbTests
{
    private static async Task<string> OpenIncidentAsync(QuellTestServer server, string alertname)
    {
        using var body = new StringContent(IncidentApiTests.AlertmanagerBody(alertname: alertname, fingerprint: Guid.NewGuid().ToString("N")[..12]), System.Text.Encoding.UTF8, "application/json");
        using var response = await server.Client.PostAsync("/api/v1/alertmanager", body);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("incidents")[0].GetString()!;
    }

    [Fact]
    public async Task Ack_PrintsWhatChanged_NotTheWholeIncident()
    {
        await using var server = await QuellTestServer.StartAsync(new Quell.Configuration.QuellConfig { Incidents = new Quell.Configuration.IncidentsConfig { Grouping = new Quell.Configuration.GroupingConfig { GroupWait = TimeSpan.Zero } } });
        var id = await OpenIncidentAsync(server, "CheckoutErrors");
        var key = server.MintKey(["read", "respond"], name: "oncall-cli");

        var (code, stdout, stderr) = await QuellCliProcess.RunAsync("incidents", "ack", id, "--server", server.BaseAddress.ToString(), "--api-key", key);

        Assert.True(code == 0, stderr);
        Assert.Contains("state", stdout, StringComparison.Ordinal);
        Assert.Contains("→ acknowledged", stdout, StringComparison.Ordinal);
        Assert.Contains("acknowledged by oncall-cli", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("detected:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportAndSearch_Json_AreMachineReadable_CsvIsChartReady()
    {
        await using var server = await QuellTestServer.StartAsync(new Quell.Configuration.QuellConfig { Incidents = new Quell.Configuration.IncidentsConfig { Grouping = new Quell.Configuration.GroupingConfig { GroupWait = TimeSpan.Zero } } });
        var id = await OpenIncidentAsync(server, "CheckoutLatency");
        var url = server.BaseAddress.ToString();

        var (code, report, stderr) = await QuellCliProcess.RunAsync("report", "--json", "--server", url, "--api-key", server.AdminKey);
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(report))
        {
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }

        var (csvCode, csv, _) = await QuellCliProcess.RunAsync("report", "--csv", "--server", url, "--api-key", server.AdminKey);
        Assert.Equal(0, csvCode);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("category,severity", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Length >= 2, csv);

        var (searchCode, hits, searchErr) = await QuellCliProcess.RunAsync("search", "CheckoutLatency", "--json", "--server", url, "--api-key", server.AdminKey);
        Assert.True(searchCode == 0, searchErr);
        Assert.Contains(id, hits, StringComparison.Ordinal);
        using (var doc = JsonDocument.Parse(hits))
        {
            Assert.NotEqual(JsonValueKind.Undefined, doc.RootElement.ValueKind);
        }
    }
}
