namespace Quell.Simulation.Scenarios;

/// <summary>A model version update makes answers worse: eval pass rate and feedback drop on one feature.</summary>
public sealed class QualityRegressionScenario(DateTimeOffset onset, TimeSpan duration, string feature = "support_chat", string newVersion = "gpt-4o-mini-2025-01-31", double quality = 0.78) : ScenarioBase(onset, duration)
{
    private const string ChangeId = "chg-model-support-2025-01-31";

    public override string Name => "quality_regression";

    public override string Category => "quality";

    public override string Feature => feature;

    public override string Description => $"{feature} moves to model version {newVersion}; good answers drop to {quality:P0}";

    public override (string Dimension, string Value)? ExpectedAttribution => ("model_version", newVersion);

    public override string? CauseChangeId => ChangeId;

    public override string DamageUnit => $"answers from model version {newVersion}";

    public override TimeSpan DetectionBudget => TimeSpan.FromHours(6);

    public override IEnumerable<SimulatedEvent> Tick(DateTimeOffset now, Random random) =>
        ChangeAtOnset(now, ChangeId, "model_version", "gpt-4o-mini-2024-07-18", newVersion, $"pin {feature} to {newVersion}", "platform-team");

    protected override void ShapeActive(CallDraft call, Random random)
    {
        if (call.Feature.Name == feature && call.Operation == "chat" && !call.ModelPinned)
        {
            call.Endpoint = call.Endpoint with { ModelVersion = newVersion };
            call.Quality = quality;
            Hit(call);
        }
    }
}
