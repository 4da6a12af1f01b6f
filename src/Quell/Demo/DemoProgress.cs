using Quell.Simulation;
using Spectre.Console;

namespace Quell.Demo;

/// <summary>Receives the demo's progress; the console shows it live, tests ignore it.</summary>
public interface IDemoProgress
{
    void Started(SimulationOptions sim, IReadOnlyList<IScenario> scenarios, Uri server);

    void Advanced(DateTimeOffset simulatedNow, long callsSent, long callsAccepted);

    void Note(DateTimeOffset simulatedNow, string message);
}

/// <summary>Progress for tests and --json runs that want no screen output.</summary>
public sealed class SilentDemoProgress : IDemoProgress
{
    public void Started(SimulationOptions sim, IReadOnlyList<IScenario> scenarios, Uri server)
    {
    }

    public void Advanced(DateTimeOffset simulatedNow, long callsSent, long callsAccepted)
    {
    }

    public void Note(DateTimeOffset simulatedNow, string message)
    {
    }
}

/// <summary>Live progress on stderr: simulated clock, calls sent, notable events as they happen.</summary>
public sealed class ConsoleDemoProgress(IAnsiConsole console) : IDemoProgress
{
    private DateTimeOffset _start;
    private TimeSpan _duration;
    private int _lastPercent = -1;

    public void Started(SimulationOptions sim, IReadOnlyList<IScenario> scenarios, Uri server)
    {
        _start = sim.Start;
        _duration = sim.Duration;
        console.MarkupLineInterpolated($"[bold]Quell demo[/] seed {sim.Seed}: server {server}, simulating {sim.Duration.TotalDays:0.#} days from {sim.Start:yyyy-MM-dd} at {sim.RequestsPerSecond} requests/s");
        foreach (var s in scenarios)
        {
            console.MarkupLineInterpolated($"  scenario [yellow]{s.Name}[/] ({s.Category}) at {s.Onset:yyyy-MM-dd HH:mm}: {s.Description}");
        }
    }

    public void Advanced(DateTimeOffset simulatedNow, long callsSent, long callsAccepted)
    {
        var percent = (int)(100 * (simulatedNow - _start).TotalSeconds / Math.Max(1, _duration.TotalSeconds));
        if (percent / 5 != _lastPercent / 5)
        {
            _lastPercent = percent;
            console.MarkupLineInterpolated($"[grey]{simulatedNow:yyyy-MM-dd HH:mm}[/] {percent,3}%  calls sent {callsSent:N0}, stored {callsAccepted:N0}");
        }
    }

    public void Note(DateTimeOffset simulatedNow, string message) =>
        console.MarkupLineInterpolated($"[grey]{simulatedNow:yyyy-MM-dd HH:mm}[/] {message}");
}
