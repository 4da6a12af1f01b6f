using Quell.Evals;
using Quell.Postmortems;
using Quell.Server.Evals;

namespace Quell.Server.Postmortems;

/// <summary>Post-mortem versions and the incident memory: a full-text index over incidents and post-mortems.</summary>
public interface IPostmortemStore
{
    Task<Postmortem?> LatestAsync(string incidentId, CancellationToken ct = default);

    Task<IReadOnlyList<Postmortem>> VersionsAsync(string incidentId, CancellationToken ct = default);

    /// <summary>The latest version of every post-mortem.</summary>
    Task<IReadOnlyList<Postmortem>> AllLatestAsync(CancellationToken ct = default);

    /// <summary>Stores <paramref name="postmortem"/> as the next version and re-indexes it; returns what was stored.</summary>
    Task<Postmortem> SaveAsync(Postmortem postmortem, CancellationToken ct = default);

    /// <summary>Indexes (or re-indexes) one incident's searchable text.</summary>
    Task IndexIncidentAsync(string id, string title, string body, CancellationToken ct = default);

    /// <summary>Full-text search over incidents and post-mortems, best match first (titles weigh double).</summary>
    Task<IReadOnlyList<MemoryHit>> SearchAsync(string text, int limit, bool anyTerm = false, CancellationToken ct = default);

    /// <summary>How many recurrences (reopened or linked) the timeline records between two instants.</summary>
    Task<int> RecurrencesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);
}
