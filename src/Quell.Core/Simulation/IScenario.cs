namespace Quell.Simulation;

/// <summary>
/// An incident injected into the simulated world: from its onset it reshapes calls and may emit changes,
/// evals or feedback. Scenarios are pluggable; the demo picks them by name.
/// </summary>
public interface IScenario
{
    string Name { get; }

    /// <summary>quality, latency, cost, data or abuse.</summary>
    string Category { get; }

    DateTimeOffset Onset { get; }

    /// <summary>When the world returns to normal by itself (the simulated team's fix); null for never.</summary>
    DateTimeOffset? End { get; }

    /// <summary>Reshapes one call generated at or after the onset.</summary>
    void Shape(CallDraft call, Random random);

    /// <summary>Extra events for the simulated second starting at <paramref name="now"/> (changes, probes, …).</summary>
    IEnumerable<SimulatedEvent> Tick(DateTimeOffset now, Random random);

    /// <summary>A one-line description of what the scenario does, for the demo's screen and report.</summary>
    string Description { get; }

    /// <summary>The feature the incident hits.</summary>
    string Feature { get; }

    /// <summary>The dimension value a correct attribution names (e.g. region eu-west), or null when any is fine.</summary>
    (string Dimension, string Value)? ExpectedAttribution { get; }

    /// <summary>The change (deploy or config) that caused it, if any: what investigation should rank first.</summary>
    string? CauseChangeId { get; }

    /// <summary>How long after onset a detection still counts (slow drifts take days by nature).</summary>
    TimeSpan DetectionBudget { get; }
}

/// <summary>Convenience base: active between onset and end, no extra events unless overridden.</summary>
public abstract class ScenarioBase(DateTimeOffset onset, TimeSpan? duration) : IScenario
{
    public abstract string Name { get; }

    public abstract string Category { get; }

    public abstract string Description { get; }

    public DateTimeOffset Onset { get; } = onset;

    public DateTimeOffset? End { get; } = duration is { } d ? onset + d : null;

    public abstract string Feature { get; }

    public virtual (string Dimension, string Value)? ExpectedAttribution => null;

    public virtual string? CauseChangeId => null;

    public virtual TimeSpan DetectionBudget => TimeSpan.FromHours(2);

    public bool IsActive(DateTimeOffset t) => t >= Onset && (End is null || t < End);

    /// <summary>A change event at the onset (and its revert at the end), emitted once each.</summary>
    protected IEnumerable<SimulatedEvent> ChangeAtOnset(DateTimeOffset now, string id, string kind, string from, string to, string description, string author)
    {
        if (now <= Onset && Onset < now.AddSeconds(1))
        {
            yield return new SimulatedChange(Onset.AddMinutes(-4), kind, Feature, description, author, new Dictionary<string, string> { ["id"] = id, ["from"] = from, ["to"] = to });
        }

        if (End is { } end && now <= end && end < now.AddSeconds(1))
        {
            yield return new SimulatedChange(end, kind, Feature, $"revert: {description}", "oncall", new Dictionary<string, string> { ["id"] = id + "-revert", ["from"] = to, ["to"] = from });
        }
    }

    public void Shape(CallDraft call, Random random)
    {
        if (IsActive(call.Timestamp))
        {
            ShapeActive(call, random);
        }
    }

    private readonly List<DateTimeOffset> _hits = [];

    /// <summary>What one hit is, in a reader's words ("looping calls past the 8th"), for the demo's damage figures.</summary>
    public virtual string DamageUnit => "damaged calls";

    /// <summary>Times of the calls this scenario actually damaged, in the order the application made them: the ground truth for "did the bleeding stop".</summary>
    public IReadOnlyList<DateTimeOffset> Hits => _hits;

    /// <summary>Told about each call the scenario made itself that the application actually sent.</summary>
    public virtual void Emitted(Calls.CallRecord call)
    {
    }

    /// <summary>Records that a call was damaged by the scenario.</summary>
    protected void Hit(CallDraft call)
    {
        // Eval runs are Quell's own probes, not users harmed.
        if (call.User != AppSimulator.EvalUser)
        {
            _hits.Add(call.Timestamp);
        }
    }

    /// <summary>Records a damaged call the scenario produced itself.</summary>
    protected void Hit(DateTimeOffset at) => _hits.Add(at);

    public virtual IEnumerable<SimulatedEvent> Tick(DateTimeOffset now, Random random) => [];

    protected abstract void ShapeActive(CallDraft call, Random random);
}
