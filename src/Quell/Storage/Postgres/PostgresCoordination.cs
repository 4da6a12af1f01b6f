using Dapper;
using Quell.Cluster;

namespace Quell.Storage.Postgres;

/// <summary>
/// Detector partition leases and the incident decision lock in the shared PostgreSQL database. Lease times come from
/// the instance's <see cref="TimeProvider"/> (instances sharing a database are assumed to agree on the time within a
/// small fraction of the time to live).
/// </summary>
public sealed class PostgresDetectorLeases(PostgresDatabase database, TimeProvider time, int partitions, TimeSpan ttl) : IDetectorLeases
{
    private const string CursorPrefix = "detection.calls.p";
    private bool _seeded;

    public int Partitions => partitions;

    public TimeSpan Ttl => ttl;

    public async Task<PartitionLeases> RenewAsync(string instance, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var expires = now + (long)ttl.TotalMilliseconds;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (!_seeded)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO detector_leases(partition, owner, expires_at, token) SELECT g, NULL, 0, 0 FROM generate_series(0, @last) g ON CONFLICT (partition) DO NOTHING",
                new { last = partitions - 1 }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            _seeded = true;
        }

        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO detector_instances(instance, expires_at) VALUES (@instance, @expires)
                ON CONFLICT (instance) DO UPDATE SET expires_at = excluded.expires_at;
            DELETE FROM detector_instances WHERE expires_at < @now - @forget;
            UPDATE detector_leases SET expires_at = @expires WHERE owner = @instance AND expires_at >= @now AND partition < @partitions;
            """,
            new { instance, expires, now, forget = (long)ttl.TotalMilliseconds * 10, partitions }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var (live, before) = await connection.QuerySingleAsync<(int Live, int Before)>(new CommandDefinition(
            "SELECT count(*)::int, (count(*) FILTER (WHERE instance < @instance))::int FROM detector_instances WHERE expires_at >= @now",
            new { now, instance }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);

        // An exact split: every live instance gets partitions / live, and the first partitions % live of them in
        // instance order one more, so the shares add up to the partitions (16 over 3 is 6, 5, 5).
        var share = (partitions / Math.Max(1, live)) + (before < partitions % Math.Max(1, live) ? 1 : 0);
        var held = (await connection.QueryAsync<(int Partition, long Token)>(new CommandDefinition(
            "SELECT partition, token FROM detector_leases WHERE owner = @instance AND expires_at >= @now AND partition < @partitions ORDER BY partition",
            new { instance, now, partitions }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(p => p.Partition, p => p.Token);

        if (held.Count > share)
        {
            // More instances joined: give back the surplus so they can take an even share.
            var surplus = held.Keys.Order().Skip(share).ToArray();
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE detector_leases SET owner = NULL, expires_at = 0 WHERE owner = @instance AND partition = ANY(@surplus)",
                new { instance, surplus }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var p in surplus)
            {
                held.Remove(p);
            }
        }
        else if (held.Count < share)
        {
            var taken = await connection.QueryAsync<(int Partition, long Token)>(new CommandDefinition(
                """
                UPDATE detector_leases SET owner = @instance, expires_at = @expires, token = token + 1
                WHERE partition IN (
                    SELECT partition FROM detector_leases WHERE expires_at < @now AND partition < @partitions
                    ORDER BY partition LIMIT @wanted FOR UPDATE SKIP LOCKED)
                RETURNING partition, token
                """,
                new { instance, expires, now, partitions, wanted = share - held.Count }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var (p, token) in taken)
            {
                held[p] = token;
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new PartitionLeases(held, Math.Max(1, live));
    }

    public async Task<bool> SaveCursorAsync(string instance, int partition, long token, long sequence, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var saved = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO cursors(consumer, seq, updated_at)
            SELECT @consumer, @sequence, @now FROM detector_leases
                WHERE partition = @partition AND owner = @instance AND token = @token AND expires_at >= @now
            ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
            """,
            new { consumer = CursorPrefix + partition, sequence, now, partition, instance, token }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return saved > 0;
    }

    public async Task<long> CursorAsync(int partition, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT seq FROM cursors WHERE consumer = @consumer", new { consumer = CursorPrefix + partition }, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
    }

    public async Task ReleaseAsync(string instance, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE detector_leases SET owner = NULL, expires_at = 0 WHERE owner = @instance; DELETE FROM detector_instances WHERE instance = @instance",
            new { instance }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}

/// <summary>
/// A session advisory lock held on its own connection for the length of one incident decision: every instance decides
/// in turn, each on the incidents the one before it committed. A dead instance's session ends and frees the lock.
/// </summary>
public sealed class PostgresDecisionLock(PostgresDatabase database) : IIncidentDecisionLock
{
    private const long Key = 0x5175656C6C494E43; // "QuellINC"

    public bool Shared => true;

    public async ValueTask<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = Key }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new Held(connection);
    }

    private sealed class Held(Npgsql.NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = Key }).ConfigureAwait(false);
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
