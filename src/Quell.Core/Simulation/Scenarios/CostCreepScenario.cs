namespace Quell.Simulation.Scenarios;

/// <summary>A new prompt version bloats the input: cost per call creeps up on one feature.</summary>
public sealed class CostCreepScenario(DateTimeOffset onset, TimeSpan duration, string feature = "support_chat", string fromVersion = "support-v7", string toVersion = "support-v8", double inputFactor = 1.8) : ScenarioBase(onset, duration)
{
    private const string ChangeId = "chg-prompt-support-v8";

    public override string Name => "cost_creep";

    public override string Category => "cost";

    public override string Feature => feature;

    public override string Description => $"prompt {toVersion} on {feature} carries ×{inputFactor} input tokens";

    public override (string Dimension, string Value)? ExpectedAttribution => ("prompt_version", toVersion);

    public override string? CauseChangeId => ChangeId;

    public override string DamageUnit => $"calls served the bloated prompt {toVersion}";

    public override IEnumerable<SimulatedEvent> Tick(DateTimeOffset now, Random random) =>
        ChangeAtOnset(now, ChangeId, "prompt_version", fromVersion, toVersion, $"deploy prompt {toVersion} (adds full policy text to every turn)", "ci");

    protected override void ShapeActive(CallDraft call, Random random)
    {
        if (call.Feature.Name == feature && !call.PromptPinned)
        {
            call.PromptVersion = toVersion;
            call.InputTokens = (long)(call.InputTokens * inputFactor);
            call.CachedInputTokens = (long)(call.CachedInputTokens * 0.5);
            Hit(call);
        }
    }
}
