using Quell.Response;

namespace Quell.Incidents;

/// <summary>Where incidents, their timelines, silences and the notification outbox live; a change is stored atomically.</summary>
public interface IIncidentStore
{
    /// <summary>Every incident that is not closed.</summary>
    Task<IReadOnlyList<Incident>> OpenAsync(CancellationToken cancellationToken = default);

    Task<Incident?> GetAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Incident>> ListAsync(IncidentQuery query, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TimelineEntry>> TimelineAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores incidents, timeline entries and outbox rows of all changes in one transaction. A created incident whose id
    /// exists, or an update to one that does not, aborts the whole batch with <see cref="IncidentIdConflictException"/>.
    /// </summary>
    Task ApplyAsync(IReadOnlyList<IncidentChange> changes, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Silence>> SilencesAsync(CancellationToken cancellationToken = default);

    Task SaveSilenceAsync(Silence silence, CancellationToken cancellationToken = default);

    Task<bool> DeleteSilenceAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>Filters for listing incidents, newest first.</summary>
public sealed record IncidentQuery(IncidentState? State = null, Severity? Severity = null, string? Category = null, int Limit = 100);

/// <summary>A store was asked to create an incident whose id already exists (or to update one that does not); nothing of the batch was stored.</summary>
public sealed class IncidentIdConflictException(string id, bool created) : InvalidOperationException(created
    ? $"incident {id} already exists; refusing to overwrite it with a new incident"
    : $"incident {id} does not exist; refusing to store an update to it")
{
    public string IncidentId { get; } = id;
}
