using Dapper;

namespace Quell.Storage.Sqlite;

/// <summary>Consumer cursors in the same SQLite file as the log they point into.</summary>
public sealed class SqliteCursorStore(SqliteDatabase database, TimeProvider time) : ICursorStore
{
    public async Task<long> GetAsync(string consumer, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT seq FROM cursors WHERE consumer = @consumer", new { consumer }, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
    }

    public async Task SetAsync(string consumer, long sequence, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO cursors(consumer, seq, updated_at) VALUES (@consumer, @sequence, @now) ON CONFLICT(consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
            new { consumer, sequence, now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
