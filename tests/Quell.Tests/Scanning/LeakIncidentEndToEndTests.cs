using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Runbooks;
using Quell.Server.Detection;
using Quell.Tests.Server;

namespace Quell.Tests.Scanning;

/// <summary>From one leaking answer to an incident, on a real server: ingest, scan, findings monitor, alert, incident.</summary>
public sealed class LeakIncidentEndToEndTests
{
    private static StringContent Call(string id, string timestamp, string output) => new(JsonSerializer.Serialize(new[]
    {
        new Dictionary<string, object>
        {
            ["id"] = id,
            ["timestamp"] = timestamp,
            ["tenant"] = "acme",
            ["user"] = "u-" + id,
            ["feature"] = "billing_chat",
            ["model"] = "gpt-4o",
            ["input"] = "What card did I use for my last order?",
            ["output"] = output,
        },
    }), Encoding.UTF8, "application/json");

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task PostCall_OutputWithAnotherCustomersCard_OneCallRaisesAlertAndIncident_AndALaterLeakAfterCloseRaisesAnother()
    {
        await using var server = await QuellTestServer.StartAsync();
        var detection = server.Service<DetectionService>();

        var posted = await server.Client.PostAsync("/api/v1/calls", Call("leak-1", "2026-11-20T10:00:00Z", "Your last order was paid with 4111 1111 1111 1111 by Maria Lopez."));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        await detection.CatchUpAsync();

        var alerts = await server.Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?category=data");
        var alert = Assert.Single(alerts.EnumerateArray(), a => a.GetProperty("signal").GetString() == "pii_leak");
        Assert.Contains("CREDIT_CARD", alert.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("4111 1111 1111 1111", alerts.GetRawText(), StringComparison.Ordinal);

        var incidents = await server.Client.GetFromJsonAsync<JsonElement>("/api/v1/incidents?category=data");
        var incident = Assert.Single(incidents.EnumerateArray());
        var id = incident.GetProperty("id").GetString()!;
        // The responder closes it (from wherever the playbook has taken it by now).
        var steps = string.Equals(incident.GetProperty("state").GetString(), "monitoring", StringComparison.OrdinalIgnoreCase)
            ? new[] { ("close", """{"by":"alice"}""") }
            : [("ack", """{"by":"alice"}"""), ("transition", """{"to":"mitigating","by":"alice"}"""), ("resolve", """{"by":"alice","note":"output filter deployed"}"""), ("close", """{"by":"alice"}""")];
        foreach (var (verb, body) in steps)
        {
            var response = await server.Client.PostAsync($"/api/v1/incidents/{id}/{verb}", Json(body));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{verb}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // Ten minutes later the same flow leaks another card: the closed incident must not swallow it.
        await server.Client.PostAsync("/api/v1/calls", Call("leak-2", "2026-11-20T10:10:00Z", "On file: 5555 5555 5555 4444."));
        await detection.CatchUpAsync();
        var after = await server.Client.GetFromJsonAsync<JsonElement>("/api/v1/incidents?category=data");
        Assert.Equal(2, after.GetArrayLength());
        Assert.Contains(after.EnumerateArray(), i => i.GetProperty("id").GetString() != id && i.GetProperty("state").GetString() != "closed");
    }

    [Fact]
    public async Task PostCall_OperatorsPublicSupportContacts_RaiseNothing()
    {
        var config = new Quell.Configuration.QuellConfig
        {
            Scanning = new Quell.Scanning.ContentScannerOptions { PublicValues = ["support@acme.example", "+1 415 555 0100"] },
            ContentAlerts = new Quell.Detection.ContentAlertRules { PiiLeakCalls = 1 },
        };
        await using var server = await QuellTestServer.StartAsync(config);
        for (var i = 0; i < 3; i++)
        {
            await server.Client.PostAsync("/api/v1/calls", Call($"faq-{i}", $"2026-11-20T10:0{i}:00Z", "Write to support@acme.example or call (415) 555-0100."));
        }

        await server.Service<DetectionService>().CatchUpAsync();
        var alerts = await server.Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?category=data");
        Assert.Equal(0, alerts.GetArrayLength());
    }

    [Theory]
    [InlineData("abuse", "system_prompt_leak", "prompt_injection")]
    [InlineData("abuse", "injection_campaign", "prompt_injection")]
    [InlineData("data", "pii_leak", "pii_leak")]
    [InlineData("data", "cross_tenant_leak", "cross_tenant_leak")]
    public void Select_LeakSignal_RunsTheRightRunbook(string category, string signal, string runbook)
    {
        Assert.Equal(runbook, new RunbookCatalog().Select(category, signal)!.Name);
    }
}
