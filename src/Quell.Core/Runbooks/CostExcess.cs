using Quell.Investigation;

namespace Quell.Runbooks;

/// <summary>One feature × tenant × model flow's added cost since an onset.</summary>
public sealed record FlowExcess(string? Feature, string? Tenant, string? Model, long AfterCalls, double AfterUsd, double AfterPerCallUsd, double? BeforePerCallUsd, double ExpectedUsd, double ExcessUsd);

/// <summary>
/// Ranks flows by the cost they added since an onset: spend above what the flow's own cost per call before the onset
/// predicts for its calls since (a prompt that grew, a pricier model), or, for volume signals (agent loops, spend
/// bursts), above its spend rate before (more calls).
/// </summary>
public static class CostExcess
{
    /// <summary>Under this many calls before the onset a flow's own cost per call is not trusted; the overall one is used.</summary>
    public const int MinBaselineCalls = 20;

    public static IReadOnlyList<FlowExcess> Rank(IReadOnlyList<FlowCost> before, IReadOnlyList<FlowCost> after, AnomalyMetric metric, double afterToBeforeDuration)
    {
        var byFlow = before.ToDictionary(b => (b.Feature, b.Tenant, b.Model));
        var beforeCalls = before.Sum(b => b.Calls);
        var overallPerCall = beforeCalls > 0 ? before.Sum(b => b.CostUsd) / beforeCalls : 0;
        var volume = metric is AnomalyMetric.Calls;
        return after.Select(a =>
            {
                var b = byFlow.GetValueOrDefault((a.Feature, a.Tenant, a.Model));
                var perCall = b is { Calls: >= MinBaselineCalls } ? b.CostPerCall : b is { Calls: > 0 } ? (b.CostUsd + (overallPerCall * MinBaselineCalls)) / (b.Calls + MinBaselineCalls) : overallPerCall;
                var expected = volume ? (b?.CostUsd ?? 0) * afterToBeforeDuration : a.Calls * perCall;
                return new FlowExcess(a.Feature, a.Tenant, a.Model, a.Calls, a.CostUsd, a.CostPerCall, b is { Calls: > 0 } ? b.CostPerCall : null, expected, a.CostUsd - expected);
            })
            .OrderByDescending(f => f.ExcessUsd).ThenBy(f => f.Feature, StringComparer.Ordinal).ThenBy(f => f.Tenant, StringComparer.Ordinal)
            .ToList();
    }
}
