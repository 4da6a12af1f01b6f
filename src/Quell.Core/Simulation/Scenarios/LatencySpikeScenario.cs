namespace Quell.Simulation.Scenarios;

/// <summary>A vendor degrades in one region: latency ×4 on one provider and region of one feature.</summary>
public sealed class LatencySpikeScenario(DateTimeOffset onset, TimeSpan duration, string feature = "support_chat", string provider = "openai", string region = "eu-west", double factor = 4, string name = "latency_spike") : ScenarioBase(onset, duration)
{
    public override string Name => name;

    public override string Category => "latency";

    public override string Feature => feature;

    public override string Description => $"{provider} {region} slows down ×{factor} for {feature}";

    public override (string Dimension, string Value)? ExpectedAttribution => ("region", region);

    public override string DamageUnit => $"calls slowed ×{factor} on {provider} {region}";

    protected override void ShapeActive(CallDraft call, Random random)
    {
        if (call.Feature.Name == feature && call.Endpoint.Provider == provider && call.Endpoint.Region == region)
        {
            call.LatencyMs *= factor;
            call.TtftMs *= factor;
            Hit(call);
        }
    }
}
