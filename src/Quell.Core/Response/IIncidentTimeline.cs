namespace Quell.Response;

/// <summary>Where playbook actions (mitigations, runbook findings) are reported on an incident's timeline.</summary>
public interface IIncidentTimeline
{
    /// <summary>Appends one entry; <paramref name="data"/> is serialised as JSON by the implementation.</summary>
    Task AppendAsync(string incidentId, string kind, string actor, string text, object? data, CancellationToken cancellationToken = default);
}

/// <summary>A timeline that keeps nothing: used until incidents are wired in.</summary>
public sealed class NullIncidentTimeline : IIncidentTimeline
{
    public static NullIncidentTimeline Instance { get; } = new();

    public Task AppendAsync(string incidentId, string kind, string actor, string text, object? data, CancellationToken cancellationToken = default) => Task.CompletedTask;
}

/// <summary>A timeline kept in memory, for tests and for the demo's report.</summary>
public sealed class InMemoryIncidentTimeline : IIncidentTimeline
{
    private readonly List<ReportedTimelineEntry> _entries = [];

    public IReadOnlyList<ReportedTimelineEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public Task AppendAsync(string incidentId, string kind, string actor, string text, object? data, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            _entries.Add(new ReportedTimelineEntry(incidentId, kind, actor, text, data));
        }

        return Task.CompletedTask;
    }
}

/// <summary>One entry reported to an incident timeline.</summary>
public sealed record ReportedTimelineEntry(string IncidentId, string Kind, string Actor, string Text, object? Data);
