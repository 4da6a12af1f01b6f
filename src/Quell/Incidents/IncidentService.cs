using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;
using Quell.Server.Notifications;

namespace Quell.Server.Incidents;

/// <summary>
/// The one way into incidents for the rest of Quell and for the API: feeds signals and responder commands through the
/// <see cref="IncidentManager"/> and commits each decision with its notifications in one store transaction.
/// Decisions are serialised so two alerts can never open two incidents for the same group.
/// Gates may refuse a responder's change before it is stored; observers hear of committed changes.
/// </summary>
public sealed class IncidentService(IIncidentStore store, IncidentManager manager, NotificationDispatcher dispatcher, IncidentHookRegistry? hooks = null, IncidentMetrics? metrics = null, Cluster.IIncidentDecisionLock? decisionLock = null) : IDisposable
{
    private readonly IncidentHookRegistry _hooks = hooks ?? new IncidentHookRegistry();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private OpenIncidentIndex? _open;
    private List<Silence>? _silences;
    private readonly Cluster.IIncidentDecisionLock _decisions = decisionLock ?? Cluster.ProcessDecisionLock.Instance;

    public IncidentManager Manager => manager;

    public IIncidentStore Store => store;

    /// <summary>Feeds one alert: dedupes, groups, inhibits or opens an incident; null when it changed nothing.</summary>
    public async Task<IncidentChange?> IngestSignalAsync(IncidentSignal signal, CancellationToken cancellationToken = default)
    {
        var changes = await IngestSignalsAsync([signal], cancellationToken).ConfigureAwait(false);
        return changes.Count == 0 ? null : changes[^1];
    }

    /// <summary>Feeds several alerts in order and commits all resulting changes in one transaction.</summary>
    public async Task<IReadOnlyList<IncidentChange>> IngestSignalsAsync(IEnumerable<IncidentSignal> signals, CancellationToken cancellationToken = default)
    {
        var committed = await IngestUnderGateAsync(signals, cancellationToken).ConfigureAwait(false);
        await ObserveAsync(committed, cancellationToken).ConfigureAwait(false);
        return committed;
    }

    private async Task<IReadOnlyList<IncidentChange>> IngestUnderGateAsync(IEnumerable<IncidentSignal> signals, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var decision = await DecideAsync(cancellationToken).ConfigureAwait(false);
            var open = await LoadAsync(cancellationToken).ConfigureAwait(false);
            var silences = _silences!;
            var changes = new List<IncidentChange>();
            foreach (var signal in signals)
            {
                if (manager.Ingest(signal, open, silences) is { } change)
                {
                    changes.Add(change);
                    Track(open, change.Incident);
                }
            }

            await CommitAsync(open, changes, cancellationToken).ConfigureAwait(false);
            return changes;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends what has come due (group waits, escalation steps); returns how many incidents changed.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var decision = await DecideAsync(cancellationToken).ConfigureAwait(false);
            var open = await LoadAsync(cancellationToken).ConfigureAwait(false);
            var changes = manager.Tick([.. open.All], _silences!);
            await CommitAsync(open, changes, cancellationToken).ConfigureAwait(false);
            return changes.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs a responder command on an incident; null when there is no such incident.</summary>
    public async Task<CommandResult?> ExecuteAsync(string id, Func<IncidentManager, Incident, CommandResult> command, CancellationToken cancellationToken = default)
    {
        var result = await ExecuteUnderGateAsync(id, command, cancellationToken).ConfigureAwait(false);
        if (result?.Change is { } change)
        {
            await ObserveAsync([change], cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    private async Task<CommandResult?> ExecuteUnderGateAsync(string id, Func<IncidentManager, Incident, CommandResult> command, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var decision = await DecideAsync(cancellationToken).ConfigureAwait(false);
            var open = await LoadAsync(cancellationToken).ConfigureAwait(false);
            var incident = open.Get(id) ?? await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (incident is null)
            {
                return null;
            }

            var result = command(manager, incident);
            foreach (var gate in result.Change is null || result.Change.Incident.State == incident.State ? [] : _hooks.Gates)
            {
                if (await gate.CheckAsync(incident, result.Change!.Incident, cancellationToken).ConfigureAwait(false) is { } refusal)
                {
                    return new CommandResult(null, refusal);
                }
            }

            if (result.Change is { } change)
            {
                Track(open, change.Incident);
                await CommitAsync(open, [change], cancellationToken).ConfigureAwait(false);
            }

            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<Incident?> GetAsync(string id, CancellationToken cancellationToken = default) => store.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<Incident>> ListAsync(IncidentQuery query, CancellationToken cancellationToken = default) => store.ListAsync(query, cancellationToken);

    public Task<IReadOnlyList<TimelineEntry>> TimelineAsync(string id, CancellationToken cancellationToken = default) => store.TimelineAsync(id, cancellationToken);

    public async Task<IReadOnlyList<Silence>> SilencesAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            return [.. _silences!, .. manager.Policy.MaintenanceWindows];
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task AddSilenceAsync(Silence silence, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            await store.SaveSilenceAsync(silence, cancellationToken).ConfigureAwait(false);
            _silences!.RemoveAll(s => s.Id == silence.Id);
            _silences.Add(silence);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> DeleteSilenceAsync(string id, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            _silences!.RemoveAll(s => s.Id == id);
            return await store.DeleteSilenceAsync(id, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task ObserveAsync(IReadOnlyList<IncidentChange> changes, CancellationToken ct)
    {
        if (changes.Count == 0)
        {
            return;
        }

        foreach (var observer in _hooks.Observers)
        {
            await observer.OnCommittedAsync(changes, ct).ConfigureAwait(false);
        }
    }

    // Another instance may have decided since this one last looked: under the shared lock, re-read what is open.
    private async ValueTask<IAsyncDisposable> DecideAsync(CancellationToken ct)
    {
        var held = await _decisions.AcquireAsync(ct).ConfigureAwait(false);
        if (_decisions.Shared)
        {
            _open = null;
        }

        return held;
    }

    private async Task<OpenIncidentIndex> LoadAsync(CancellationToken ct)
    {
        if (_open is null)
        {
            _open = OpenIncidentIndex.Of(await store.OpenAsync(ct).ConfigureAwait(false));
            _silences = [.. await store.SilencesAsync(ct).ConfigureAwait(false)];
        }

        return _open;
    }

    private async Task CommitAsync(OpenIncidentIndex open, IReadOnlyList<IncidentChange> changes, CancellationToken ct)
    {
        if (changes.Count == 0)
        {
            return;
        }

        try
        {
            await store.ApplyAsync(changes, ct).ConfigureAwait(false);
        }
        catch
        {
            // The cache may now be ahead of the store: reload it next time.
            _open = null;
            throw;
        }

        // Every committed change lands in the cache, whoever decided it (alerts, ticks, commands): a stale cached copy
        // would page again on the next tick and wipe the pages and channels a later command reads.
        foreach (var change in changes)
        {
            Track(open, change.Incident);
        }

        metrics?.Committed(changes);

        if (changes.Any(c => c.Notifications.Count > 0))
        {
            dispatcher.Nudge();
        }
    }

    private static void Track(OpenIncidentIndex open, Incident incident) => open.Set(incident);
}
