using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;

namespace Quell.Storage.Sqlite;

/// <summary>
/// Incidents, timelines, silences and the notification outbox in Quell's SQLite file. An incident change and its
/// notifications commit in one transaction, so a crash can never lose a page the incident says was decided.
/// </summary>
public sealed class SqliteIncidentStore(SqliteDatabase database) : IIncidentStore, INotificationOutbox
{
    public async Task<IReadOnlyList<Incident>> OpenAsync(CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        var bodies = await c.QueryAsync<string>(new CommandDefinition("SELECT body FROM incidents WHERE state <> 'closed' ORDER BY detected_at", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return bodies.Select(ReadIncident).ToList();
    }

    public async Task<Incident?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        var body = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT body FROM incidents WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return body is null ? null : ReadIncident(body);
    }

    public async Task<IReadOnlyList<Incident>> ListAsync(IncidentQuery query, CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        var sql = "SELECT body FROM incidents WHERE (@state IS NULL OR state = @state) AND (@severity IS NULL OR severity = @severity) AND (@category IS NULL OR category = @category) ORDER BY detected_at DESC LIMIT @limit";
        var bodies = await c.QueryAsync<string>(new CommandDefinition(sql, new
        {
            state = query.State?.Name(),
            severity = query.Severity?.ToString(),
            category = query.Category,
            limit = Math.Clamp(query.Limit, 1, 10_000),
        }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return bodies.Select(ReadIncident).ToList();
    }

    public async Task<IReadOnlyList<TimelineEntry>> TimelineAsync(string id, CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        var rows = await c.QueryAsync<(string IncidentId, long At, string Kind, string Actor, string Message, string? Data)>(new CommandDefinition(
            "SELECT incident_id, at, kind, actor, message, data FROM incident_timeline WHERE incident_id = @id ORDER BY seq", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new TimelineEntry(r.IncidentId, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Kind, r.Actor, r.Message)
        {
            Data = r.Data is null ? null : JsonSerializer.Deserialize(r.Data, IncidentStorageJson.Default.DictionaryStringString),
        }).ToList();
    }

    public async Task ApplyAsync(IReadOnlyList<IncidentChange> changes, CancellationToken cancellationToken = default)
    {
        if (changes.Count == 0)
        {
            return;
        }

        using var c = database.Open();
        using var tx = c.BeginTransaction();
        foreach (var change in changes)
        {
            var i = change.Incident;

            // A new incident never replaces a stored one, and an update never invents one: either means two decisions
            // disagree about which incident exists, so the whole batch is refused (the transaction rolls back on dispose).
            var rows = await c.ExecuteAsync(new CommandDefinition(
                change.Created
                    ? "INSERT INTO incidents(id, state, severity, category, detected_at, updated_at, body) VALUES (@id, @state, @severity, @category, @detected, @updated, @body) ON CONFLICT(id) DO NOTHING"
                    : "UPDATE incidents SET state = @state, severity = @severity, category = @category, updated_at = @updated, body = @body WHERE id = @id",
                new { id = i.Id, state = i.State.Name(), severity = i.Severity.ToString(), category = i.Category, detected = i.DetectedAt.ToUnixTimeMilliseconds(), updated = i.UpdatedAt.ToUnixTimeMilliseconds(), body = JsonSerializer.Serialize(i, IncidentStorageJson.Default.Incident) },
                tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (rows != 1)
            {
                throw new IncidentIdConflictException(i.Id, change.Created);
            }
            foreach (var e in change.Timeline)
            {
                await InsertTimelineAsync(c, tx, e, cancellationToken).ConfigureAwait(false);
            }

            foreach (var n in change.Notifications)
            {
                await c.ExecuteAsync(new CommandDefinition(
                    "INSERT OR IGNORE INTO notification_outbox(id, incident_id, channel, status, attempts, next_attempt_at, created_at, body) VALUES (@id, @incident, @channel, 0, 0, @next, @created, @body)",
                    new { id = n.Id, incident = n.IncidentId, channel = n.Channel, next = n.CreatedAt.ToUnixTimeMilliseconds(), created = n.CreatedAt.ToUnixTimeMilliseconds(), body = JsonSerializer.Serialize(n, IncidentStorageJson.Default.Notification) },
                    tx,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
        }

        tx.Commit();
    }

    public async Task<IReadOnlyList<Silence>> SilencesAsync(CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        var bodies = await c.QueryAsync<string>(new CommandDefinition("SELECT body FROM silences ORDER BY ends_at", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return bodies.Select(b => JsonSerializer.Deserialize(b, IncidentStorageJson.Default.Silence)!).ToList();
    }

    public async Task SaveSilenceAsync(Silence silence, CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO silences(id, ends_at, body) VALUES (@id, @ends, @body) ON CONFLICT(id) DO UPDATE SET ends_at = excluded.ends_at, body = excluded.body",
            new { id = silence.Id, ends = silence.EndsAt.ToUnixTimeMilliseconds(), body = JsonSerializer.Serialize(silence, IncidentStorageJson.Default.Silence) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<bool> DeleteSilenceAsync(string id, CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        return await c.ExecuteAsync(new CommandDefinition("DELETE FROM silences WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<OutboxItem>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        var rows = await c.QueryAsync<OutboxRow>(new CommandDefinition(
            $"SELECT status, attempts, next_attempt_at AS NextAttemptAt, last_error AS LastError, body FROM notification_outbox o WHERE status = 0 AND next_attempt_at <= @now AND {FirstPendingOfItsChannel} ORDER BY next_attempt_at, created_at, rowid LIMIT @max",
            new { now = now.ToUnixTimeMilliseconds(), max }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(ToItem).ToList();
    }

    public async Task RecordAttemptAsync(string notificationId, OutboxStatus status, int attempts, DateTimeOffset nextAttemptAt, string? error, TimelineEntry entry, CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        using var tx = c.BeginTransaction();
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE notification_outbox SET status = @status, attempts = @attempts, next_attempt_at = @next, last_error = @error WHERE id = @id",
            new { id = notificationId, status = (int)status, attempts, next = nextAttemptAt.ToUnixTimeMilliseconds(), error },
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        await InsertTimelineAsync(c, tx, entry, cancellationToken).ConfigureAwait(false);
        tx.Commit();
    }

    public async Task<IReadOnlyList<OutboxItem>> ForIncidentAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        var rows = await c.QueryAsync<OutboxRow>(new CommandDefinition(
            "SELECT status, attempts, next_attempt_at AS NextAttemptAt, last_error AS LastError, body FROM notification_outbox WHERE incident_id = @incidentId ORDER BY created_at, rowid",
            new { incidentId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(ToItem).ToList();
    }

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        var next = await c.ExecuteScalarAsync<long?>(new CommandDefinition($"SELECT MIN(next_attempt_at) FROM notification_outbox o WHERE status = 0 AND {FirstPendingOfItsChannel}", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return next is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public async Task<OutboxBacklog> BacklogAsync(CancellationToken cancellationToken = default)
    {
        using var c = database.Open();
        var row = await c.QuerySingleAsync<(long Pending, long? Oldest)>(new CommandDefinition("SELECT COUNT(*), MIN(created_at) FROM notification_outbox WHERE status = 0", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new OutboxBacklog(row.Pending, row.Oldest is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);
    }

    // A notification waits while an earlier one of the same incident on the same channel is still pending (a trigger
    // backing off after a 503): PagerDuty must never see the acknowledge before the trigger it acknowledges.
    private const string FirstPendingOfItsChannel =
        "NOT EXISTS (SELECT 1 FROM notification_outbox p WHERE p.incident_id = o.incident_id AND p.channel = o.channel AND p.status = 0 AND p.rowid < o.rowid)";

    private static Task InsertTimelineAsync(SqliteConnection c, SqliteTransaction tx, TimelineEntry e, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO incident_timeline(incident_id, at, kind, actor, message, data) VALUES (@incident, @at, @kind, @actor, @message, @data)",
            new { incident = e.IncidentId, at = e.At.ToUnixTimeMilliseconds(), kind = e.Kind, actor = e.Actor, message = e.Message, data = e.Data is null ? null : JsonSerializer.Serialize(new Dictionary<string, string>(e.Data), IncidentStorageJson.Default.DictionaryStringString) },
            tx,
            cancellationToken: ct));

    private static Incident ReadIncident(string body) => JsonSerializer.Deserialize(body, IncidentStorageJson.Default.Incident)!;

    private static OutboxItem ToItem(OutboxRow r) => new(
        JsonSerializer.Deserialize(r.Body, IncidentStorageJson.Default.Notification)!,
        (OutboxStatus)r.Status,
        (int)r.Attempts,
        DateTimeOffset.FromUnixTimeMilliseconds(r.NextAttemptAt),
        r.LastError);

    private sealed record OutboxRow(long Status, long Attempts, long NextAttemptAt, string? LastError, string Body);
}
