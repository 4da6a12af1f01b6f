using Quell.Notifications;
using Quell.Response;

namespace Quell.Incidents;

/// <summary>Incidents, timelines, silences and outbox in memory: for tests, benchmarks and simulations that need no durability.</summary>
public sealed class InMemoryIncidentStore : IIncidentStore, INotificationOutbox
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Incident> _incidents = new(StringComparer.Ordinal);
    private readonly List<TimelineEntry> _timeline = [];
    private readonly Dictionary<string, Silence> _silences = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OutboxItem> _outbox = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _outboxOrder = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<Incident>> OpenAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Incident>>(_incidents.Values.Where(i => i.State != IncidentState.Closed).ToList());
        }
    }

    public Task<Incident?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_incidents.GetValueOrDefault(id));
        }
    }

    public Task<IReadOnlyList<Incident>> ListAsync(IncidentQuery query, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Incident>>(_incidents.Values
                .Where(i => (query.State is null || i.State == query.State) && (query.Severity is null || i.Severity == query.Severity) && (query.Category is null || i.Category == query.Category))
                .OrderByDescending(i => i.DetectedAt).Take(query.Limit).ToList());
        }
    }

    public Task<IReadOnlyList<TimelineEntry>> TimelineAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TimelineEntry>>(_timeline.Where(e => e.IncidentId == id).ToList());
        }
    }

    public Task ApplyAsync(IReadOnlyList<IncidentChange> changes, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var stored = new HashSet<string>(StringComparer.Ordinal);
            foreach (var c in changes)
            {
                if ((_incidents.ContainsKey(c.Incident.Id) || stored.Contains(c.Incident.Id)) == c.Created)
                {
                    throw new IncidentIdConflictException(c.Incident.Id, c.Created);
                }

                stored.Add(c.Incident.Id);
            }

            foreach (var c in changes)
            {
                _incidents[c.Incident.Id] = c.Incident;
                _timeline.AddRange(c.Timeline);
                foreach (var n in c.Notifications)
                {
                    if (_outbox.TryAdd(n.Id, new OutboxItem(n, OutboxStatus.Pending, 0, n.CreatedAt, null)))
                    {
                        _outboxOrder[n.Id] = _outboxOrder.Count;
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Silence>> SilencesAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Silence>>(_silences.Values.ToList());
        }
    }

    public Task SaveSilenceAsync(Silence silence, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _silences[silence.Id] = silence;
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteSilenceAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_silences.Remove(id));
        }
    }

    public Task<IReadOnlyList<OutboxItem>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<OutboxItem>>(HeadsOfLine()
                .Where(o => o.NextAttemptAt <= now)
                .OrderBy(o => o.NextAttemptAt).ThenBy(o => o.Notification.CreatedAt).ThenBy(o => _outboxOrder[o.Notification.Id]).Take(max).ToList());
        }
    }

    public Task RecordAttemptAsync(string notificationId, OutboxStatus status, int attempts, DateTimeOffset nextAttemptAt, string? error, TimelineEntry entry, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_outbox.TryGetValue(notificationId, out var item))
            {
                _outbox[notificationId] = item with { Status = status, Attempts = attempts, NextAttemptAt = nextAttemptAt, LastError = error };
            }

            _timeline.Add(entry);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OutboxItem>> ForIncidentAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<OutboxItem>>(_outbox.Values.Where(o => o.Notification.IncidentId == incidentId).OrderBy(o => o.Notification.CreatedAt).ThenBy(o => _outboxOrder[o.Notification.Id]).ToList());
        }
    }

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(HeadsOfLine().Select(o => (DateTimeOffset?)o.NextAttemptAt).Min());
        }
    }

    public Task<OutboxBacklog> BacklogAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var pending = _outbox.Values.Where(o => o.Status == OutboxStatus.Pending).ToList();
            return Task.FromResult(new OutboxBacklog(pending.Count, pending.Count == 0 ? null : pending.Min(o => o.Notification.CreatedAt)));
        }
    }

    // Like the SQLite outbox: a notification waits while an earlier one of its incident and channel is pending.
    private IEnumerable<OutboxItem> HeadsOfLine() => _outbox.Values
        .Where(o => o.Status == OutboxStatus.Pending)
        .GroupBy(o => (o.Notification.IncidentId, o.Notification.Channel))
        .Select(g => g.MinBy(o => _outboxOrder[o.Notification.Id])!);
}
