using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Server.Detection;

namespace Quell.Tests.Server;

/// <summary>Eval results and feedback posted over HTTP reach the detectors, and the alert is served at /api/v1/alerts.</summary>
public sealed class QualityAlertsEndToEndTests
{
    [Fact]
    public async Task PostEvals_PassRateDropsOnNewPromptVersion_AlertServedWithAttribution()
    {
        await using var server = await QuellTestServer.StartAsync();
        var random = new Random(17);
        var start = DateTimeOffset.UtcNow.AddHours(-30);
        var lines = new List<string>();
        for (var i = 0; i < 1600; i++)
        {
            var at = start.AddMinutes(i);
            var regressed = i >= 1200;
            var passed = random.NextDouble() < (regressed ? 0.70 : 0.93);
            lines.Add(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["suite"] = "golden",
                ["case"] = $"c{i % 50}",
                ["passed"] = passed,
                ["feature"] = "support_chat",
                ["prompt_version"] = regressed ? "v13" : "v12",
                ["timestamp"] = at.ToString("O"),
            }));
        }

        var response = await server.Client.PostAsync("/api/v1/evals", new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bad = await server.Client.PostAsync("/api/v1/feedback", new StringContent("""[{"timestamp":"2026-11-20T10:00:00Z"}]""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("call_id", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await server.Service<DetectionService>().CatchUpAsync();
        var alerts = await server.Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?category=quality");
        var alert = Assert.Single(alerts.EnumerateArray(), a => a.GetProperty("signal").GetString() == "eval_pass_rate");
        Assert.Contains("v13", alert.GetProperty("attribution").GetProperty("sentence").GetString(), StringComparison.Ordinal);
        Assert.True(alert.GetProperty("fired_at").GetDateTimeOffset() >= start.AddMinutes(1200));
        Assert.True((await Functional.PrometheusText.ScrapeAsync(server.Client)).Has("quell_alerts_fired_total", ("category", "quality")));
    }
}
