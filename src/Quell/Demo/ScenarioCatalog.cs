using Quell.Simulation;

namespace Quell.Demo;

/// <summary>The demo's named scenarios and when, within the simulated span, each one starts.</summary>
public static class ScenarioCatalog
{
    /// <summary>Scenario names `--scenario` accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [];

    public static IReadOnlyList<IScenario> Create(IReadOnlyList<string> requested, SimulationOptions sim)
    {
        var unknown = requested.Where(r => !Names.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown scenario(s): {string.Join(", ", unknown)}; known: {(Names.Count == 0 ? "(none yet)" : string.Join(", ", Names))}");
        }

        return [];
    }
}
