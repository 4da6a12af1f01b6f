namespace Quell.Isolation;

/// <summary>Every tenant-isolation probe result, newest first on read.</summary>
public interface IIsolationProbeStore
{
    Task AppendAsync(IReadOnlyList<IsolationProbeResult> results, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<IsolationProbeResult>> LatestAsync(int limit, CancellationToken cancellationToken = default);
}
