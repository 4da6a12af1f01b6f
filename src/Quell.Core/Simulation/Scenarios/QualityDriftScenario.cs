namespace Quell.Simulation.Scenarios;

/// <summary>
/// Answer quality slides slowly, one point a day, with no single change to blame: the provider keeps changing what the
/// model alias serves while the reported snapshot stays the same. Calls pinned to the snapshot keep their quality.
/// </summary>
public sealed class QualityDriftScenario(DateTimeOffset onset, TimeSpan? duration, string feature = "summarizer", double pointsPerDay = 1) : ScenarioBase(onset, duration)
{
    public override string Name => "quality_drift";

    public override string Category => "quality";

    public override string Feature => feature;

    public override string Description => $"{feature} quality slides {pointsPerDay} point a day";

    public override (string Dimension, string Value)? ExpectedAttribution => ("feature", feature);

    public override TimeSpan DetectionBudget => TimeSpan.FromDays(7);

    public override string DamageUnit => "answers served by the drifting model (one point or more below healthy)";

    protected override void ShapeActive(CallDraft call, Random random)
    {
        // The provider changes what the model alias serves; a call pinned to the dated snapshot is not affected.
        if (call.Feature.Name == feature && !call.ModelPinned)
        {
            var lost = pointsPerDay * (call.Timestamp - Onset).TotalDays;
            call.Quality -= lost / 100;

            // An answer is damaged once the drift has taken a full point off its chance of being good.
            if (lost >= 1)
            {
                Hit(call);
            }
        }
    }
}
