using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Quell.Configuration;
using Quell.Isolation;
using Quell.Server;
using Quell.Server.Isolation;
using Quell.Storage;
using Quell.Tests.Server;

namespace Quell.Tests.Isolation;

/// <summary>Tenant-isolation probes against a real HTTP application on loopback.</summary>
public sealed class IsolationProbeTests
{
    /// <summary>An application that answers each tenant; when leaking, initech gets globex's marker and document.</summary>
    private static async Task<WebApplication> StartAppAsync(Func<string> globexCanary, Func<bool> leaking)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/chat", async (HttpRequest request) =>
        {
            using var doc = await JsonDocument.ParseAsync(request.Body);
            var tenant = doc.RootElement.GetProperty("tenant").GetString()!;
            Assert.Equal(tenant, request.Headers["X-Tenant"].ToString());
            return tenant == "initech" && leaking()
                ? Results.Json(new { answer = $"The memo says {globexCanary()}.", retrieved = new[] { new { id = "g-7", tenant = "globex" } } })
                : Results.Json(new { answer = "Your workspace has 3 documents.", retrieved = new[] { new { id = $"{tenant}-1", tenant } } });
        });
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task RunOnce_AnswerCarriesForeignCanary_FailsProbeKeepsResultAndRaisesDataAlert()
    {
        string canary = string.Empty;
        var leaking = false;
        await using var app = await StartAppAsync(() => canary, () => leaking);
        var config = new QuellConfig
        {
            IsolationProbes = new IsolationProbeConfig
            {
                TargetUrl = new Uri(app.BoundAddress(), "/chat").ToString(),
                Headers = new Dictionary<string, string> { ["X-Tenant"] = "{{tenant}}" },
                AnswerPath = "answer",
                RetrievedPath = "retrieved",
                Tenants = ["acme", "initech"],
                Feature = "doc_search",
                Interval = TimeSpan.FromDays(1),
            },
        };
        await using var server = await QuellTestServer.StartAsync(config);
        var minted = await server.Client.PostAsJsonAsync("/api/v1/canaries", new CanaryRequest("globex", null));
        canary = (await minted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var probes = server.Service<IsolationProbeService>();

        Assert.All(await probes.RunOnceAsync(CancellationToken.None), r => Assert.True(r.Passed));
        leaking = true;
        var round = await probes.RunOnceAsync(CancellationToken.None);

        var failed = Assert.Single(round, r => !r.Passed);
        Assert.Equal("initech", failed.Tenant);
        Assert.Equal(["globex"], failed.LeakedFrom);
        Assert.Contains(await probes.ResultsAsync(100, CancellationToken.None), r => !r.Passed && r.Tenant == "initech");
        await server.Service<Quell.Server.Detection.DetectionService>().CatchUpAsync();
        var alert = Assert.Single(await server.Service<IAlertStore>().QueryAsync(new AlertQuery(State: "firing")), a => a.Signal == "tenant_isolation_probe");
        Assert.Equal(Alerts.AlertCategory.Data, alert.Category);
        Assert.Equal("initech", alert.Labels["tenant"]);

        leaking = false;
        await probes.RunOnceAsync(CancellationToken.None);
        Assert.Equal("resolved", (await server.Service<IAlertStore>().GetAsync(alert.Id))!.State.ToString().ToLowerInvariant());
    }

    [Fact]
    public async Task RunOnce_ApplicationDown_RecordsErrorWithoutAlert()
    {
        var config = new QuellConfig { IsolationProbes = new IsolationProbeConfig { TargetUrl = "http://127.0.0.1:9/chat", Tenants = ["acme"], Timeout = TimeSpan.FromSeconds(5) } };
        await using var server = await QuellTestServer.StartAsync(config);
        var result = Assert.Single(await server.Service<IsolationProbeService>().RunOnceAsync(CancellationToken.None));
        Assert.True(result.Passed);
        Assert.NotNull(result.Error);
        Assert.Empty(await server.Service<IAlertStore>().QueryAsync(new AlertQuery()));
    }
}
