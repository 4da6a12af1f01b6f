namespace Quell.Simulation.Scenarios;

/// <summary>Answer quality slides slowly, one point a day, with no single change to blame.</summary>
public sealed class QualityDriftScenario(DateTimeOffset onset, TimeSpan? duration, string feature = "summarizer", double pointsPerDay = 1) : ScenarioBase(onset, duration)
{
    public override string Name => "quality_drift";

    public override string Category => "quality";

    public override string Feature => feature;

    public override string Description => $"{feature} quality slides {pointsPerDay} point a day";

    public override (string Dimension, string Value)? ExpectedAttribution => ("feature", feature);

    public override TimeSpan DetectionBudget => TimeSpan.FromDays(7);

    protected override void ShapeActive(CallDraft call, Random random)
    {
        if (call.Feature.Name == feature)
        {
            call.Quality -= pointsPerDay / 100 * (call.Timestamp - Onset).TotalDays;
        }
    }
}
