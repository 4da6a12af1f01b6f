using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quell.Alerts;
using Quell.Configuration;
using Quell.Mitigations;
using Quell.Server;
using Quell.Storage;
using Quell.Tests.Server;

namespace Quell.Tests.Playbook;

public sealed class AutoMitigationTests
{
    [Fact]
    public async Task Pass_RunawayLoopAlertWithRuleEnabled_ProposesLoopCapOnce()
    {
        var config = new QuellConfig { Playbook = new PlaybookConfig { AutoMitigation = AutoMitigationRule.BuiltIn.Select(r => r with { Enabled = r.Name == "runaway_loop" }).ToList() } };
        await using var server = await QuellTestServer.StartAsync(config);
        var alert = MitigationControlPlaneTests.Alert(AlertCategory.Cost, AlertSignals.CallsPerTrace, AlertSeverityHint.Medium) with { FiredAt = DateTimeOffset.UtcNow };
        await server.Service<IAlertStore>().UpsertAsync(alert);
        var service = server.App.Services.GetServices<IHostedService>().OfType<AutoMitigationService>().Single();

        await service.PassAsync(alert.FiredAt.AddMinutes(-1), CancellationToken.None);
        await service.PassAsync(alert.FiredAt.AddMinutes(-1), CancellationToken.None);

        var plane = server.Service<MitigationControlPlane>();
        var proposed = Assert.Single(plane.Open);
        Assert.Equal(MitigationKind.LoopCap, proposed.Kind);
        Assert.Equal(MitigationState.Proposed, proposed.State);
        Assert.Equal("alert-1", proposed.AlertId);
        Assert.Equal("policy:runaway_loop", proposed.CreatedBy);
        using var active = JsonDocument.Parse(await server.Client.GetStringAsync("/api/v1/mitigations"));
        Assert.Equal(0, active.RootElement.GetProperty("mitigations").GetArrayLength());
    }
}
