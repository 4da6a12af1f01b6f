using System.Text.Json;
using Dapper;
using Quell.Changes;

namespace Quell.Storage.Sqlite;

/// <summary>Change events in SQLite; re-sending a change id is a no-op.</summary>
public sealed class SqliteChangeLog(SqliteDatabase database) : IChangeLog
{
    public async Task<int> AppendAsync(IReadOnlyList<ChangeEvent> changes, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var tx = connection.BeginTransaction();
        var inserted = 0;
        foreach (var c in changes)
        {
            inserted += await connection.ExecuteAsync(new CommandDefinition(
                "INSERT OR IGNORE INTO changes(id, ts, kind, scope, description, author, from_value, to_value) VALUES (@Id, @ts, @Kind, @scope, @Description, @Author, @From, @To)",
                new { c.Id, ts = c.Timestamp.ToUnixTimeMilliseconds(), c.Kind, scope = JsonSerializer.Serialize(c.Scope, StorageJsonContext.Default.IReadOnlyDictionaryStringString), c.Description, c.Author, c.From, c.To },
                tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        tx.Commit();
        return inserted;
    }

    public async Task<IReadOnlyList<ChangeEvent>> QueryAsync(DateTimeOffset? from, DateTimeOffset? to, string? feature = null, int limit = 500, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        var rows = await connection.QueryAsync<ChangeRow>(new CommandDefinition(
            "SELECT id, ts, kind, scope, description, author, from_value, to_value FROM changes WHERE ts >= @from AND ts < @to ORDER BY ts DESC LIMIT @limit",
            new { from = from?.ToUnixTimeMilliseconds() ?? long.MinValue, to = to?.ToUnixTimeMilliseconds() ?? long.MaxValue, limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToChange())
            .Where(c => feature is null || !c.Scope.TryGetValue("feature", out var f) || f == feature)
            .ToList();
    }

    private sealed class ChangeRow
    {
        public string id { get; set; } = string.Empty;
        public long ts { get; set; }
        public string kind { get; set; } = string.Empty;
        public string scope { get; set; } = "{}";
        public string? description { get; set; }
        public string? author { get; set; }
        public string? from_value { get; set; }
        public string? to_value { get; set; }

        public ChangeEvent ToChange() => new()
        {
            Id = id,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ts),
            Kind = kind,
            Scope = JsonSerializer.Deserialize(scope, StorageJsonContext.Default.IReadOnlyDictionaryStringString) ?? new Dictionary<string, string>(),
            Description = description,
            Author = author,
            From = from_value,
            To = to_value,
        };
    }
}
