using Quell.Changes;

namespace Quell.Storage;

/// <summary>Recorded deploys and configuration changes, for change correlation.</summary>
public interface IChangeLog
{
    Task<int> AppendAsync(IReadOnlyList<ChangeEvent> changes, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ChangeEvent>> QueryAsync(DateTimeOffset? from, DateTimeOffset? to, string? feature = null, int limit = 500, CancellationToken cancellationToken = default);
}
