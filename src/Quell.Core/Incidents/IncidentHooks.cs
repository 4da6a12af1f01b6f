namespace Quell.Incidents;

/// <summary>Consulted before a responder's state change is stored; a refusal keeps the incident where it is.</summary>
public interface IIncidentTransitionGate
{
    /// <summary>Null to allow <paramref name="before"/> → <paramref name="after"/>, else why not.</summary>
    Task<CommandRefusal?> CheckAsync(Incident before, Incident after, CancellationToken cancellationToken = default);
}

/// <summary>Hears about every stored incident change, after it is committed (new incidents, transitions, notes).</summary>
public interface IIncidentObserver
{
    Task OnCommittedAsync(IReadOnlyList<IncidentChange> changes, CancellationToken cancellationToken = default);
}

/// <summary>Finds a resolved incident a new alert is a recurrence of.</summary>
public interface IRecurrenceWatch
{
    /// <summary>The resolved incident whose signature <paramref name="signal"/> matches, most recently resolved first; null when none.</summary>
    RecurrenceMatch? Find(IncidentSignal signal, IReadOnlyList<Incident> open, DateTimeOffset now);
}

/// <summary>A past incident an alert recurs: <see cref="Open"/> is set when it is not closed; within the window it is reopened, else linked.</summary>
public sealed record RecurrenceMatch(string IncidentId, Incident? Open, DateTimeOffset ResolvedAt, bool WithinWindow, TimeSpan Window, string Why);
