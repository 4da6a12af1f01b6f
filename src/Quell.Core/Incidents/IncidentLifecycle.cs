using Quell.Response;

namespace Quell.Incidents;

/// <summary>Which state changes responders may make; anything else is refused with a reason.</summary>
public static class IncidentLifecycle
{
    /// <summary>Null when <paramref name="from"/> → <paramref name="to"/> is allowed, else why not.</summary>
    public static string? Refusal(IncidentState from, IncidentState to)
    {
        if (from == to)
        {
            return $"the incident is already {to.Name()}";
        }

        if (from == IncidentState.Closed)
        {
            return "a closed incident is final";
        }

        if (to == IncidentState.Detected)
        {
            return "an incident cannot go back to detected";
        }

        if (from.IsActive())
        {
            // Forward through the playbook, skipping steps is fine (resolve jumps to monitoring); backwards is not.
            if (to < from)
            {
                return $"cannot go back from {from.Name()} to {to.Name()}";
            }

            if (to is IncidentState.Postmortem or IncidentState.Closed)
            {
                return $"resolve the incident (monitoring) before moving it to {to.Name()}";
            }

            return null;
        }

        return AfterResolution(from, to)
            ? null
            : $"from {from.Name()} the incident can only move to {string.Join(" or ", Enum.GetValues<IncidentState>().Where(s => AfterResolution(from, s)).Select(s => s.Name()))}";
    }

    /// <summary>The states reachable from <paramref name="from"/>.</summary>
    public static IReadOnlyList<IncidentState> Next(IncidentState from) =>
        Enum.GetValues<IncidentState>().Where(to => Refusal(from, to) is null).ToList();

    private static bool AfterResolution(IncidentState from, IncidentState to) => (from, to) switch
    {
        (IncidentState.Monitoring, IncidentState.Postmortem or IncidentState.Closed) => true,

        // The problem came back while monitoring: reopen the work.
        (IncidentState.Monitoring, IncidentState.Mitigating or IncidentState.Investigating or IncidentState.Fixing) => true,
        (IncidentState.Postmortem, IncidentState.Closed) => true,
        _ => false,
    };
}
