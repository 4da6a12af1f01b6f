using System.Text.Json;
using Dapper;
using Quell.Changes;
using Quell.Storage.Sqlite;

namespace Quell.Storage.Postgres;

/// <summary>Change events in PostgreSQL; re-sending a change id is a no-op.</summary>
public sealed class PostgresChangeLog(PostgresDatabase database) : IChangeLog
{
    public async Task<int> AppendAsync(IReadOnlyList<ChangeEvent> changes, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var inserted = 0;
        foreach (var c in changes)
        {
            inserted += await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO changes(id, ts, kind, scope, description, author, from_value, to_value) VALUES (@Id, @ts, @Kind, @scope, @Description, @Author, @From, @To) ON CONFLICT (id) DO NOTHING",
                new { c.Id, ts = c.Timestamp.ToUnixTimeMilliseconds(), c.Kind, scope = JsonSerializer.Serialize(c.Scope, StorageJsonContext.Default.IReadOnlyDictionaryStringString), c.Description, c.Author, c.From, c.To },
                tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    public async Task<IReadOnlyList<ChangeEvent>> QueryAsync(DateTimeOffset? from, DateTimeOffset? to, string? feature = null, int limit = 500, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Id, long Ts, string Kind, string Scope, string? Description, string? Author, string? From, string? To)>(new CommandDefinition(
            "SELECT id, ts, kind, scope, description, author, from_value, to_value FROM changes WHERE ts >= @from AND ts < @to ORDER BY ts DESC LIMIT @limit",
            new { from = from?.ToUnixTimeMilliseconds() ?? long.MinValue, to = to?.ToUnixTimeMilliseconds() ?? long.MaxValue, limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new ChangeEvent
        {
            Id = r.Id,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(r.Ts),
            Kind = r.Kind,
            Scope = JsonSerializer.Deserialize(r.Scope, StorageJsonContext.Default.IReadOnlyDictionaryStringString) ?? new Dictionary<string, string>(),
            Description = r.Description,
            Author = r.Author,
            From = r.From,
            To = r.To,
        })
            .Where(c => feature is null || !c.Scope.TryGetValue("feature", out var f) || f == feature)
            .ToList();
    }
}
