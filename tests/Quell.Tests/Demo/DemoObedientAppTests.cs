using Quell.Demo;
using Quell.Mitigations;
using Quell.Simulation;
using Quell.Tests.Server;

namespace Quell.Tests.Demo;

/// <summary>The demo's simulated app obeys the control plane through the real Quell.Client.</summary>
public sealed class DemoObedientAppTests
{
    private static CallDraft Draft(string feature = "support_chat", string trace = "t1")
    {
        var f = DefaultWorld.Features.First(x => x.Name == feature);
        return new CallDraft
        {
            Id = "c1",
            Timestamp = DateTimeOffset.UtcNow,
            Feature = f,
            Tenant = new SimulatedTenant("acme", ["u1"], 1),
            User = "u1",
            Endpoint = f.Endpoints[0],
            Operation = "chat",
            PromptVersion = f.PromptVersion,
            TraceId = trace,
            SessionId = "s1",
            Input = "hello",
        };
    }

    private static async Task<DemoObedientApp> WithMitigationAsync(QuellTestServer server, MitigationRequest request)
    {
        var plane = server.Service<MitigationControlPlane>();
        var result = await plane.CreateAsync(request with { Mode = MitigationMode.Apply, CreatedBy = "test", Reason = "test" });
        Assert.True(result.Succeeded, result.Failure.ToString());
        var app = new DemoObedientApp(server.BaseAddress, TimeProvider.System, server.AdminKey);
        await app.SyncAsync(plane.Current.Version, CancellationToken.None);
        return app;
    }

    [Fact]
    public async Task Admit_PromptRollback_PinsPromptVersion()
    {
        await using var server = await QuellTestServer.StartAsync();
        await using var app = await WithMitigationAsync(server, new MitigationRequest { Kind = MitigationKind.Rollback, Scope = new MitigationScope { Feature = "support_chat" }, Parameters = new MitigationParameters { PromptVersion = "support-v6" } });
        var draft = Draft();
        Assert.True(app.Admit(draft));
        Assert.True(draft.PromptPinned);
        Assert.Equal("support-v6", draft.PromptVersion);
    }

    [Fact]
    public async Task Admit_LoopCap_RefusesCallsBeyondTheCap()
    {
        await using var server = await QuellTestServer.StartAsync();
        await using var app = await WithMitigationAsync(server, new MitigationRequest { Kind = MitigationKind.LoopCap, Scope = new MitigationScope { Feature = "research_agent" }, Parameters = new MitigationParameters { MaxCallsPerTrace = 3 } });
        var admitted = Enumerable.Range(0, 5).Count(_ => app.Admit(Draft("research_agent", "loop-1")));
        Assert.Equal(3, admitted);
    }

    [Fact]
    public async Task Admit_KillSwitch_Refuses()
    {
        await using var server = await QuellTestServer.StartAsync();
        await using var app = await WithMitigationAsync(server, new MitigationRequest { Kind = MitigationKind.Disable, Scope = new MitigationScope { Feature = "doc_search" }, Parameters = new MitigationParameters() });
        Assert.False(app.Admit(Draft("doc_search")));
        Assert.True(app.Admit(Draft("support_chat")));
    }
}
