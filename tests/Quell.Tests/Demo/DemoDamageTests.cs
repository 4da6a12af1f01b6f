using System.Text.Json;
using Quell.Demo;

namespace Quell.Tests.Demo;

/// <summary>
/// The whole demo on the real host (fixed seed): every scenario's runbook proposes its mitigation, the simulated
/// on-call approves it as proposed, the simulated app obeys through Quell.Client, and no scenario does any damage
/// after its mitigation took effect.
/// </summary>
public sealed class DemoDamageTests
{
    [Fact]
    public async Task Demo_FullRunSeed7_EveryScenarioDoesNoDamageAfterItsRunbookMitigation()
    {
        var report = await new DemoRunner(new DemoOptions { Seed = 7 }, new SilentDemoProgress()).RunAsync(CancellationToken.None);

        Assert.Equal(ScenarioCatalog.Names.Count, report.Scenarios.Count);
        Assert.All(report.Scenarios, s =>
        {
            Assert.True(s.Detected, $"{s.Name} was not detected");
            var m = Assert.IsType<DemoMitigation>(s.Mitigation);
            Assert.NotNull(m.Runbook);
            Assert.NotEmpty(m.MitigationIds);
            Assert.NotEmpty(m.ExpectedEffects);
            Assert.NotNull(m.AppliedAt);
            Assert.Equal(0, s.DamageAfterMitigation);
            Assert.Equal(m.DamagedAfter, s.DamageAfterMitigation);
            Assert.False(string.IsNullOrEmpty(s.DamageUnit));
        });

        // The damage the mitigations stopped was real: the scenarios hurt calls before the on-call approved.
        Assert.All(report.Scenarios, s => Assert.True(s.DamageBeforeMitigation > 0, $"{s.Name} damaged nothing before its mitigation"));

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(report, DemoJsonContext.Default.DemoReport));
        Assert.All(json.RootElement.GetProperty("scenarios").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("damage_after_mitigation").GetInt32()));
    }
}
