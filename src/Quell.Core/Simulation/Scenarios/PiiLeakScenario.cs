namespace Quell.Simulation.Scenarios;

/// <summary>A memory bug puts other customers' contact details into answers.</summary>
public sealed class PiiLeakScenario(DateTimeOffset onset, TimeSpan duration, string feature = "support_chat", double share = 0.03) : ScenarioBase(onset, duration)
{
    private const string ChangeId = "chg-memory-cache-on";

    public override string Name => "pii_leak";

    public override string Category => "data";

    public override string Feature => feature;

    public override string Description => $"{share:P0} of {feature} answers include another customer's e-mail or phone";

    public override (string Dimension, string Value)? ExpectedAttribution => ("feature", feature);

    public override string? CauseChangeId => ChangeId;

    public override string DamageUnit => "answers carrying another customer's contact details";

    public override IEnumerable<SimulatedEvent> Tick(DateTimeOffset now, Random random) =>
        ChangeAtOnset(now, ChangeId, "feature_flag", "conversation_memory=off", "conversation_memory=shared", "enable cross-session conversation memory", "growth-team");

    protected override void ShapeActive(CallDraft call, Random random)
    {
        if (call.Feature.Name == feature && call.Operation == "chat" && call.CannedAnswer is null && random.NextDouble() < share)
        {
            Hit(call);
            var n = random.Next(1000, 9999);
            call.Output = random.NextDouble() < 0.5
                ? $"{call.Output} I also see your colleague reached us from maria.keller{n}@contoso-mail.com about the same invoice."
                : $"{call.Output} The account holder can be reached on +44 20 7946 {n:D4} if you need them.";
        }
    }
}
