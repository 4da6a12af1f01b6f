namespace Quell.Scanning.Canaries;

/// <summary>Minted canaries, kept so a restarted server still recognises every marker it ever issued.</summary>
public interface ICanaryStore
{
    /// <summary>Stores a canary; saving a token again is a no-op.</summary>
    Task SaveAsync(Canary canary, CancellationToken cancellationToken = default);

    IReadOnlyList<Canary> LoadAll();
}
