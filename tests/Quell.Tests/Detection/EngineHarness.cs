using Quell.Alerts;
using Quell.Calls;
using Quell.Detection;

namespace Quell.Tests.Detection;

/// <summary>Runs calls through an engine in virtual time and collects what it fired.</summary>
internal static class EngineHarness
{
    public static List<AlertEvent> Run(DetectionEngine engine, IEnumerable<CallRecord> calls, DateTimeOffset? until = null)
    {
        var events = new List<AlertEvent>();
        foreach (var call in calls)
        {
            engine.Observe(call);
            events.AddRange(engine.Drain());
        }

        if (until is DateTimeOffset end)
        {
            engine.AdvanceTo(end);
            events.AddRange(engine.Drain());
        }

        return events;
    }

    public static IEnumerable<AlertEvent> Fired(this IEnumerable<AlertEvent> events, string? signal = null) =>
        events.Where(e => e.Kind == AlertEventKind.Fired && (signal is null || e.Alert.Signal == signal));
}
