using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Calls;
using Quell.Client;
using Quell.Configuration;
using Quell.Gateway;
using Quell.Security;
using Quell.Server;
using Quell.Storage;
using Quell.Tests.Server;

namespace Quell.Tests.Gateway;

/// <summary>
/// A real Quell server, a mock model vendor and one or more real gateways in front of it, each on Kestrel at
/// 127.0.0.1 port 0 — the layout of YARP's functional tests. Clients use a Quell key minted for them.
/// </summary>
public sealed class GatewayEnvironment : IAsyncDisposable
{
    public const string UpstreamKey = "sk-upstream-secret";

    private GatewayEnvironment(QuellTestServer quell, MockModelServer upstream, IReadOnlyList<WebApplication> gateways, string clientKey)
    {
        Quell = quell;
        Upstream = upstream;
        Gateways = gateways;
        ClientKey = clientKey;
    }

    public QuellTestServer Quell { get; }
    public MockModelServer Upstream { get; }
    public IReadOnlyList<WebApplication> Gateways { get; }

    /// <summary>A Quell key with the ingest scope, as an application would put in OPENAI_API_KEY.</summary>
    public string ClientKey { get; }

    public Uri GatewayAddress(int index = 0) => Gateways[index].BoundAddress();

    public QuellConnection Connection(int index = 0) => Gateways[index].Services.GetRequiredService<QuellConnection>();

    public static async Task<GatewayEnvironment> StartAsync(int gateways = 1, Func<Uri, GatewayConfig>? configure = null)
    {
        var quell = await QuellTestServer.StartAsync();
        var upstream = await MockModelServer.StartAsync();
        var gatewayKey = quell.MintKey([Scopes.Ingest, Scopes.Read], name: "gateway");
        var config = new QuellConfig
        {
            Gateway = configure?.Invoke(upstream.BaseAddress) ?? new GatewayConfig
            {
                Upstreams =
                [
                    new UpstreamConfig { Name = "openai", Kind = UpstreamKind.Openai, Url = upstream.BaseAddress.ToString(), ApiKey = UpstreamKey },
                    new UpstreamConfig { Name = "anthropic", Kind = UpstreamKind.Anthropic, Url = upstream.BaseAddress.ToString(), ApiKey = UpstreamKey, Models = ["claude-*"] },
                ],
            },
        };
        var apps = new List<WebApplication>();
        for (var i = 0; i < gateways; i++)
        {
            var app = GatewayHost.Build(new GatewayHostOptions
            {
                Urls = "http://127.0.0.1:0",
                Server = quell.BaseAddress,
                ApiKey = gatewayKey,
                Config = config,
                LongPollWait = TimeSpan.FromSeconds(5),
            });
            await app.StartAsync();
            apps.Add(app);
        }

        return new GatewayEnvironment(quell, upstream, apps, quell.MintKey([Scopes.Ingest], name: "support-app"));
    }

    /// <summary>Applies a mitigation through the API and waits until every gateway enforces it.</summary>
    public async Task<string> ApplyAsync(object mitigation)
    {
        using var response = await Quell.Client.PostAsJsonAsync("/api/v1/mitigations", mitigation);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var doc = JsonDocument.Parse(text);
        var id = doc.RootElement.GetProperty("id").GetString()!;
        var version = Quell.Service<Quell.Mitigations.MitigationControlPlane>().Current.Version;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var g in Gateways)
        {
            await g.Services.GetRequiredService<QuellConnection>().WaitForVersionAsync(version, timeout.Token);
        }

        return id;
    }

    /// <summary>Waits until every gateway's call records are stored, then reads them from the calls log.</summary>
    public async Task<IReadOnlyList<LoggedCall>> StoredCallsAsync(string? feature = null)
    {
        foreach (var g in Gateways)
        {
            await g.Services.GetRequiredService<QuellConnection>().FlushAsync();
        }

        return await Quell.Service<ICallLog>().QueryAsync(new CallQuery { Feature = feature, Limit = 10_000 }, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var g in Gateways)
        {
            await g.StopAsync();
            await g.DisposeAsync();
        }

        await Upstream.DisposeAsync();
        await Quell.DisposeAsync();
    }
}
