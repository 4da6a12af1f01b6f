using Quell.Configuration;
using Quell.Incidents;
using Quell.Response;

namespace Quell.Recurrence;

/// <summary>
/// Watches resolved incidents for a recurrence of their signature: open ones (monitoring, post-mortem) come with every alert,
/// closed ones are remembered here so that a recurrence after closing is still linked.
/// </summary>
public sealed class RecurrenceWatch(RecurrenceConfig config) : IRecurrenceWatch
{
    private readonly Lock _lock = new();
    private Dictionary<string, Incident> _closed = new(StringComparer.Ordinal);

    public RecurrenceConfig Config => config;

    /// <summary>Replaces the remembered closed incidents (loaded from storage).</summary>
    public void RememberClosed(IEnumerable<Incident> closed)
    {
        var map = closed.Where(i => i.ResolvedAt is not null).ToDictionary(i => i.Id, StringComparer.Ordinal);
        lock (_lock)
        {
            _closed = map;
        }
    }

    /// <summary>Adds or updates one closed incident.</summary>
    public void Remember(Incident incident)
    {
        lock (_lock)
        {
            if (incident.State == IncidentState.Closed && incident.ResolvedAt is not null)
            {
                _closed[incident.Id] = incident;
            }
            else
            {
                _closed.Remove(incident.Id);
            }
        }
    }

    public RecurrenceMatch? Find(IncidentSignal signal, IReadOnlyList<Incident> open, DateTimeOffset now)
    {
        List<Incident> closed;
        lock (_lock)
        {
            closed = [.. _closed.Values];
        }

        var candidates = open.Where(i => i.State is IncidentState.Monitoring or IncidentState.Postmortem).Concat(closed)
            .Where(i => i.ResolvedAt is { } r && r <= now && now - r <= config.LinkLookback)
            .OrderByDescending(i => i.ResolvedAt);
        foreach (var incident in candidates)
        {
            if (RecurrenceSignature.Of(incident, config.Dimensions).Matches(signal, config.Dimensions) is { } why)
            {
                var resolved = incident.ResolvedAt!.Value;
                return new RecurrenceMatch(incident.Id, incident.State == IncidentState.Closed ? null : incident, resolved, now - resolved <= config.Window, config.Window, why);
            }
        }

        return null;
    }
}
