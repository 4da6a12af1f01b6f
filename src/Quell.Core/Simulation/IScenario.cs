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
}

/// <summary>Convenience base: active between onset and end, no extra events unless overridden.</summary>
public abstract class ScenarioBase(DateTimeOffset onset, TimeSpan? duration) : IScenario
{
    public abstract string Name { get; }

    public abstract string Category { get; }

    public abstract string Description { get; }

    public DateTimeOffset Onset { get; } = onset;

    public DateTimeOffset? End { get; } = duration is { } d ? onset + d : null;

    public bool IsActive(DateTimeOffset t) => t >= Onset && (End is null || t < End);

    public void Shape(CallDraft call, Random random)
    {
        if (IsActive(call.Timestamp))
        {
            ShapeActive(call, random);
        }
    }

    public virtual IEnumerable<SimulatedEvent> Tick(DateTimeOffset now, Random random) => [];

    protected abstract void ShapeActive(CallDraft call, Random random);
}
