using Quell.Calls;

namespace Quell.Simulation.Scenarios;

/// <summary>A retrieval change drops the tenant filter: answers cite another tenant's documents (and its canaries).</summary>
public sealed class CrossTenantLeakScenario(DateTimeOffset onset, TimeSpan duration, IReadOnlyList<(string Tenant, string Token)> canaries, string feature = "doc_search", double share = 0.02) : ScenarioBase(onset, duration)
{
    private const string ChangeId = "chg-retrieval-index-v2";

    public override string Name => "cross_tenant_leak";

    public override string Category => "data";

    public override string Feature => feature;

    public override string Description => $"retrieval index v2 without tenant filter: {share:P0} of {feature} answers use another tenant's documents";

    public override (string Dimension, string Value)? ExpectedAttribution => ("feature", feature);

    public override string? CauseChangeId => ChangeId;

    public override string DamageUnit => "answers built on another tenant's documents";

    public override IEnumerable<SimulatedEvent> Tick(DateTimeOffset now, Random random) =>
        ChangeAtOnset(now, ChangeId, "retrieval", "index v1", "index v2", "switch doc_search to retrieval index v2", "search-team");

    protected override void ShapeActive(CallDraft call, Random random)
    {
        if (call.Feature.Name != feature || call.Operation != "chat" || call.Retrieved.Count == 0 || random.NextDouble() >= share)
        {
            return;
        }

        var foreign = canaries.Count > 0 ? canaries[random.Next(canaries.Count)] : ("globex", (string?)null);
        if (foreign.Item1 == call.Tenant.Name)
        {
            return;
        }

        Hit(call);
        call.Retrieved[^1] = new RetrievedDocument($"{foreign.Item1}-doc-{random.Next(500):D4}", foreign.Item1);
        if (foreign.Item2 is { } token)
        {
            call.Output = $"{call.Output} (see internal memo {token})";
        }
    }
}
