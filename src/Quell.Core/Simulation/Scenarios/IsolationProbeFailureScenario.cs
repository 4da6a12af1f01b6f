namespace Quell.Simulation.Scenarios;

/// <summary>A cache keyed without the tenant: the app answers one tenant with another tenant's documents, which the isolation probe catches.</summary>
public sealed class IsolationProbeFailureScenario(DateTimeOffset onset, TimeSpan duration, IReadOnlyList<(string Tenant, string Token)> canaries, string askingTenant = "initech", string owner = "globex", string feature = "doc_search") : ScenarioBase(onset, duration)
{
    private const string ChangeId = "chg-answer-cache-on";

    public override string Name => "isolation_probe_failure";

    public override string Category => "data";

    public override string Feature => feature;

    public override string Description => $"answer cache without tenant key: {askingTenant} gets {owner}'s documents";

    public override (string Dimension, string Value)? ExpectedAttribution => ("tenant", askingTenant);

    public override string? CauseChangeId => ChangeId;

    public override TimeSpan DetectionBudget => TimeSpan.FromHours(3);

    public override string DamageUnit => "answers the app served with another tenant's data";

    public override IEnumerable<SimulatedEvent> Tick(DateTimeOffset now, Random random) =>
        ChangeAtOnset(now, ChangeId, "config", "answer_cache=off", "answer_cache=on", "enable the answer cache for doc_search", "platform-team");

    /// <summary>What the application answers a tenant right now: a leak of the owner's canary and document while active.</summary>
    public (string Answer, IReadOnlyList<(string Id, string Tenant)> Retrieved) Answer(DateTimeOffset now, string tenant)
    {
        if (IsActive(now) && tenant == askingTenant)
        {
            Hit(now);
            var token = canaries.FirstOrDefault(c => c.Tenant == owner).Token ?? "(no canary)";
            return ($"Here is the latest memo: quarterly plan, ref {token}.", [($"{owner}-doc-0007", owner)]);
        }

        return ($"Your workspace has 12 documents; the latest is the onboarding checklist.", [($"{tenant}-doc-0001", tenant)]);
    }

    protected override void ShapeActive(CallDraft call, Random random)
    {
    }
}
