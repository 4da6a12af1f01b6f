namespace Quell.Mitigations;

/// <summary>Durable mitigations and their audit log; every save writes one audit entry in the same transaction.</summary>
public interface IMitigationStore
{
    /// <summary>Inserts or updates the mitigation and appends an audit entry; returns the entry's sequence.</summary>
    Task<long> SaveAsync(Mitigation mitigation, string action, string actor, MitigationState? fromState, string? note, CancellationToken cancellationToken = default);

    Task<Mitigation?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Mitigations in the given states (all when empty), newest first.</summary>
    Task<IReadOnlyList<Mitigation>> QueryAsync(IReadOnlyCollection<MitigationState> states, int limit = 1000, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MitigationAuditEntry>> AuditAsync(string? mitigationId, int limit = 500, CancellationToken cancellationToken = default);

    Task<long> LastAuditSequenceAsync(CancellationToken cancellationToken = default);
}
