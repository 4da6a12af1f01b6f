using Quell.Calls;

namespace Quell.Simulation.Scenarios;

/// <summary>A provider rate-limits and fails: a quarter of one feature's calls end in 429 or 5xx.</summary>
public sealed class ErrorBurstScenario(DateTimeOffset onset, TimeSpan duration, string feature = "doc_search", string provider = "anthropic", double failureShare = 0.25) : ScenarioBase(onset, duration)
{
    public override string Name => "error_burst";

    public override string Category => "latency";

    public override string Feature => feature;

    public override string Description => $"{provider} answers {failureShare:P0} of {feature} calls with 429 or 5xx";

    public override (string Dimension, string Value)? ExpectedAttribution => ("provider", provider);

    public override string DamageUnit => $"calls failed by {provider}";

    protected override void ShapeActive(CallDraft call, Random random)
    {
        if (call.Feature.Name == feature && call.Endpoint.Provider == provider && random.NextDouble() < failureShare)
        {
            call.Failed = true;
            call.ErrorType = random.NextDouble() < 0.6 ? ErrorTypes.RateLimited : ErrorTypes.ServerError;
            call.LatencyMs = Math.Min(call.LatencyMs, 200 + random.NextDouble() * 300);
            Hit(call);
        }
    }
}
