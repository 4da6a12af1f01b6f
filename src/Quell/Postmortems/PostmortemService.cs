using System.Globalization;
using System.Text.Json;
using Quell.Configuration;
using Quell.Evals;
using Quell.Incidents;
using Quell.Postmortems;
using Quell.Recurrence;
using Quell.Response;
using Quell.Server.Incidents;
using Quell.Storage;

namespace Quell.Server.Postmortems;

/// <summary>
/// Drafts, edits and exports post-mortems, keeps the incident memory indexed, links similar past incidents on new ones,
/// and reminds the incident's channels of post-mortem deadlines.
/// </summary>
public sealed class PostmortemService(IPostmortemStore store, IIncidentStore incidents, ICallLog calls, IncidentService incidentService, RecurrenceWatch recurrence, QuellConfig config, TimeProvider time, ILogger<PostmortemService>? log = null) : IIncidentObserver
{
    private readonly IncidentMemoryIndex _memory = new();

    public const string TimelineKind = "postmortem";
    public const string SimilarKind = "similar_incidents";

    public IPostmortemStore Store => store;

    /// <summary>The in-memory incident memory similar-incident search runs against.</summary>
    public IncidentMemoryIndex Memory => _memory;

    /// <summary>Loads every stored incident into the memory index (at start).</summary>
    public async Task LoadMemoryAsync(CancellationToken ct = default)
    {
        foreach (var incident in await incidents.ListAsync(new IncidentQuery(Limit: 100_000), ct).ConfigureAwait(false))
        {
            _memory.Upsert(IncidentProfile.Of(incident));
        }
    }

    /// <summary>The latest version, drafting and storing the first one when there is none; null when there is no such incident.</summary>
    public async Task<Postmortem?> GetOrDraftAsync(string incidentId, CancellationToken ct = default)
    {
        if (await store.LatestAsync(incidentId, ct).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        return await incidents.GetAsync(incidentId, ct).ConfigureAwait(false) is { } incident ? await DraftAsync(incident, ct).ConfigureAwait(false) : null;
    }

    /// <summary>Drafts a post-mortem from the incident record and the calls log, and stores it as a new version.</summary>
    public async Task<Postmortem> DraftAsync(Incident incident, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var timeline = await incidents.TimelineAsync(incident.Id, ct).ConfigureAwait(false);
        var impact = await ImpactFigures.CountAsync(calls, incident, now, ct).ConfigureAwait(false);
        var similar = timeline.LastOrDefault(e => e.Kind == SimilarKind)?.Data?.GetValueOrDefault("reasons") is { Length: > 0 } reasons
            ? reasons.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            : [];
        var draft = PostmortemDrafter.Draft(incident, timeline, impact, now, config.Postmortems.Deadline, similar);
        return await store.SaveAsync(draft, ct).ConfigureAwait(false);
    }

    /// <summary>Applies the fields present in <paramref name="edit"/> to the latest version and stores the result as a new version.</summary>
    public async Task<(Postmortem? Saved, PostmortemEditError? Error)> EditAsync(string incidentId, JsonElement edit, string by, CancellationToken ct = default)
    {
        var current = await GetOrDraftAsync(incidentId, ct).ConfigureAwait(false);
        if (current is null)
        {
            return (null, null);
        }

        var (patch, error) = PostmortemEdit.Apply(current, edit);
        if (patch is null)
        {
            return (null, error);
        }

        var now = time.GetUtcNow();
        var items = patch.ActionItems.Select((a, n) => a with
        {
            Id = string.IsNullOrWhiteSpace(a.Id) ? $"a{n + 1}" : a.Id,
            DoneAt = a.Status == "done" ? a.DoneAt ?? now : null,
        }).ToList();
        var saved = await store.SaveAsync(patch with { ActionItems = items, UpdatedAt = now, UpdatedBy = by }, ct).ConfigureAwait(false);
        if (saved.Status != current.Status)
        {
            await incidentService.ExecuteAsync(incidentId, (_, i) => IncidentRecorder.Entry(i, now, TimelineKind, by, $"post-mortem {saved.Status} (version {saved.Version})"), ct).ConfigureAwait(false);
        }

        return (saved, null);
    }

    /// <summary>Past incidents most like <paramref name="incident"/>, with why each was chosen; the incident itself excluded.</summary>
    public IReadOnlyList<SimilarIncident> Similar(Incident incident, int limit) =>
        _memory.Similar(IncidentProfile.Of(incident), limit).Where(h => h.Id != incident.Id).ToList();

    /// <summary>Sends post-mortem reminders that have come due: one before the deadline, one when it passes.</summary>
    public async Task<int> RemindAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var sent = 0;
        foreach (var incident in await incidents.ListAsync(new IncidentQuery(Limit: 10_000), ct).ConfigureAwait(false))
        {
            if (incident.ResolvedAt is not { } resolved)
            {
                continue;
            }

            var pm = await store.LatestAsync(incident.Id, ct).ConfigureAwait(false);
            if (pm?.Status == PostmortemStatus.Published)
            {
                continue;
            }

            var due = pm?.DueAt ?? resolved + config.Postmortems.Deadline;
            var stage = now >= due ? "overdue" : now >= due - config.Postmortems.RemindBefore ? "due_soon" : null;
            if (stage is null)
            {
                continue;
            }

            var timeline = await incidents.TimelineAsync(incident.Id, ct).ConfigureAwait(false);
            if (timeline.Any(e => e.Kind == TimelineKind && e.Data?.GetValueOrDefault("reminder") == stage))
            {
                continue;
            }

            var text = stage == "overdue"
                ? $"post-mortem for {incident.Id} is overdue (was due {due:yyyy-MM-dd})"
                : $"post-mortem for {incident.Id} is due {due:yyyy-MM-dd}";
            var data = new Dictionary<string, string> { ["reminder"] = stage, ["due"] = due.ToString("O", CultureInfo.InvariantCulture) };
            await incidentService.ExecuteAsync(incident.Id, (_, i) => IncidentRecorder.Notify(i, now, TimelineKind, text, data), ct).ConfigureAwait(false);
            sent++;
        }

        return sent;
    }

    public async Task OnCommittedAsync(IReadOnlyList<IncidentChange> changes, CancellationToken cancellationToken = default)
    {
        foreach (var change in changes)
        {
            try
            {
                await ObserveAsync(change, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Memory and drafting are helpers: they must never fail the decision that was already stored.
                log?.LogWarning(ex, "post-mortem bookkeeping failed for incident {Incident}", change.Incident.Id);
            }
        }
    }

    private async Task ObserveAsync(IncidentChange change, CancellationToken ct)
    {
        var incident = change.Incident;
        recurrence.Remember(incident);
        if (change.Created)
        {
            _memory.Upsert(IncidentProfile.Of(incident));
            await store.IndexIncidentAsync(incident.Id, incident.Title, SearchText(incident), ct).ConfigureAwait(false);
        }
        else if (change.Timeline.Any(e => e.Kind is TimelineKinds.Note or TimelineKinds.Severity))
        {
            var notes = (await incidents.TimelineAsync(incident.Id, ct).ConfigureAwait(false)).Where(e => e.Kind == TimelineKinds.Note).Select(e => e.Message).ToList();
            _memory.Upsert(IncidentProfile.Of(incident, notes));
            await store.IndexIncidentAsync(incident.Id, incident.Title, string.Join("\n", [SearchText(incident), .. notes]), ct).ConfigureAwait(false);
        }

        if (change.Created)
        {
            await LinkSimilarAsync(incident, ct).ConfigureAwait(false);
        }

        // A reopened incident resolved again gets a new draft with every episode's facts, unless a responder has taken
        // the post-mortem over (their version stays the latest; the facts of the new episode are on the timeline).
        if (incident.State == IncidentState.Monitoring && incident.ResolvedAt is not null && change.Timeline.Any(e => e.Kind == TimelineKinds.Transition)
            && await store.LatestAsync(incident.Id, ct).ConfigureAwait(false) is var latest
            && (latest is null || (incident.ReopenedAt is { } reopened && latest.UpdatedAt < reopened && latest.UpdatedBy == TimelineKinds.System && latest.Status == PostmortemStatus.Draft)))
        {
            var pm = await DraftAsync(incident, ct).ConfigureAwait(false);
            await incidentService.ExecuteAsync(incident.Id, (_, i) => IncidentRecorder.Entry(i, time.GetUtcNow(), TimelineKind, TimelineKinds.System, $"post-mortem drafted (version {pm.Version}); due {pm.DueAt:yyyy-MM-dd}"), ct).ConfigureAwait(false);
        }
    }

    private async Task LinkSimilarAsync(Incident incident, CancellationToken ct)
    {
        // Against the in-memory index: the cost is one signal family's size and nothing is read from the database.
        var similar = Similar(incident, config.Postmortems.SimilarIncidents);
        if (similar.Count == 0)
        {
            return;
        }

        var ids = similar.Select(s => s.Id).ToList();
        await incidentService.ExecuteAsync(incident.Id, (_, i) => IncidentRecorder.Entry(
            i,
            time.GetUtcNow(),
            SimilarKind,
            TimelineKinds.System,
            $"similar past incidents: {string.Join("; ", similar.Select(s => $"{s} — post-mortem /api/v1/postmortems/{s.Id}"))}",
            new Dictionary<string, string> { ["incidents"] = string.Join(",", ids), ["reasons"] = string.Join("\n", similar.Select(s => s.ToString())) },
            x => x with { Related = x.Related.Union(ids).Take(10).ToList() }), ct).ConfigureAwait(false);
    }

    private static string SearchText(Incident i) =>
        string.Join(" ", new[] { i.Title, i.Summary, i.Category, i.Feature, i.Provider, i.Attribution }.Where(s => !string.IsNullOrEmpty(s))
            .Concat(i.Alerts.Select(a => a.Signal)).Concat(i.Labels.Where(l => l.Key is not ("source" or "category")).Select(l => l.Value)));

}
