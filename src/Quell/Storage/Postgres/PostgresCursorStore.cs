using Dapper;

namespace Quell.Storage.Postgres;

/// <summary>Consumer cursors in the same PostgreSQL database as the log they point into.</summary>
public sealed class PostgresCursorStore(PostgresDatabase database, TimeProvider time) : ICursorStore
{
    public async Task<long> GetAsync(string consumer, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT seq FROM cursors WHERE consumer = @consumer", new { consumer }, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
    }

    public async Task SetAsync(string consumer, long sequence, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO cursors(consumer, seq, updated_at) VALUES (@consumer, @sequence, @now) ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
            new { consumer, sequence, now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
