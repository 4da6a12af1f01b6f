using System.Collections.Immutable;
using Quell.Incidents;

namespace Quell.Server.Incidents;

/// <summary>
/// The gates and observers an <see cref="IncidentService"/> consults. They depend on the incident service themselves
/// (the verification gate reads eval results that are recorded on incidents; post-mortems write their drafts to the
/// timeline), so the composition root adds them here once everything is built instead of handing them to the
/// service's constructor. Hooks that do not depend on it (the console's change feed) are registered as
/// <see cref="IIncidentObserver"/> or <see cref="IIncidentTransitionGate"/> services and passed in at construction.
/// </summary>
public sealed class IncidentHookRegistry
{
    private ImmutableArray<IIncidentTransitionGate> _gates = [];
    private ImmutableArray<IIncidentObserver> _observers = [];

    public IncidentHookRegistry(IEnumerable<IIncidentTransitionGate>? gates = null, IEnumerable<IIncidentObserver>? observers = null)
    {
        _gates = [.. gates ?? []];
        _observers = [.. observers ?? []];
    }

    public ImmutableArray<IIncidentTransitionGate> Gates => _gates;

    public ImmutableArray<IIncidentObserver> Observers => _observers;

    /// <summary>A check every state change must pass before it is committed.</summary>
    public void Add(IIncidentTransitionGate gate) => ImmutableInterlocked.Update(ref _gates, g => g.Add(gate));

    /// <summary>Told of every committed change, after the commit.</summary>
    public void Add(IIncidentObserver observer) => ImmutableInterlocked.Update(ref _observers, o => o.Add(observer));
}
