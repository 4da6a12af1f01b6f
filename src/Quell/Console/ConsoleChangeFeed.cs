using Quell.Incidents;

namespace Quell.WebConsole;

/// <summary>Counts committed incident changes so the console's event stream can wake its readers.</summary>
public sealed class ConsoleChangeFeed : IIncidentObserver
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;
    private IReadOnlyList<string> _lastIds = [];

    public long Version => Interlocked.Read(ref _version);

    /// <summary>Ids of the incidents the latest commit touched.</summary>
    public IReadOnlyList<string> LastIds => Volatile.Read(ref _lastIds);

    /// <summary>Completes at the next change after this call.</summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    public Task OnCommittedAsync(IReadOnlyList<IncidentChange> changes, CancellationToken cancellationToken = default)
    {
        if (changes.Count == 0)
        {
            return Task.CompletedTask;
        }

        Volatile.Write(ref _lastIds, changes.Select(c => c.Incident.Id).Distinct(StringComparer.Ordinal).ToList());
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return Task.CompletedTask;
    }
}
