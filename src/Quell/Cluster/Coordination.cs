namespace Quell.Cluster;

/// <summary>The detector partitions one instance holds, each with the fencing token of its current lease.</summary>
public sealed record PartitionLeases(IReadOnlyDictionary<int, long> Held, int LiveInstances);

/// <summary>
/// Detector partitions leased in the shared database, so each series has exactly one owner at a time. An instance
/// renews its leases well inside their time to live; when it dies they lapse and another instance takes them over.
/// </summary>
public interface IDetectorLeases
{
    /// <summary>How many partitions the series are hashed into.</summary>
    int Partitions { get; }

    /// <summary>How long a lease lasts without renewal (renewed every third of it).</summary>
    TimeSpan Ttl { get; }

    /// <summary>Renews what <paramref name="instance"/> holds, takes or gives back partitions towards an even share, and says what it holds now.</summary>
    Task<PartitionLeases> RenewAsync(string instance, CancellationToken cancellationToken = default);

    /// <summary>Saves a partition's cursor only while <paramref name="instance"/> still holds the lease with <paramref name="token"/>; false when fenced off.</summary>
    Task<bool> SaveCursorAsync(string instance, int partition, long token, long sequence, CancellationToken cancellationToken = default);

    /// <summary>The persisted cursor of a partition (0 when none).</summary>
    Task<long> CursorAsync(int partition, CancellationToken cancellationToken = default);

    /// <summary>Gives every lease of <paramref name="instance"/> back at once (clean shutdown).</summary>
    Task ReleaseAsync(string instance, CancellationToken cancellationToken = default);
}

/// <summary>
/// Serialises incident decisions across every instance sharing a database. <see cref="Shared"/> says whether other
/// processes decide too, in which case cached open incidents must be re-read under the lock.
/// </summary>
public interface IIncidentDecisionLock
{
    bool Shared { get; }

    ValueTask<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken = default);
}

/// <summary>One process owns the database (SQLite): the in-process gate already serialises decisions.</summary>
public sealed class ProcessDecisionLock : IIncidentDecisionLock
{
    public static readonly ProcessDecisionLock Instance = new();

    public bool Shared => false;

    public ValueTask<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<IAsyncDisposable>(Nothing.Value);

    private sealed class Nothing : IAsyncDisposable
    {
        public static readonly Nothing Value = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Stable partition of a series key (feature × model × provider × operation): FNV-1a over the parts.</summary>
public static class SeriesPartition
{
    public static int Of(string? feature, string? model, string? provider, string? operation, int partitions)
    {
        if (partitions <= 1)
        {
            return 0;
        }

        var hash = 2166136261u;
        Mix(ref hash, feature);
        Mix(ref hash, model);
        Mix(ref hash, provider);
        Mix(ref hash, operation);
        return (int)(hash % (uint)partitions);
    }

    private static void Mix(ref uint hash, string? part)
    {
        foreach (var ch in part ?? "\u0001")
        {
            hash = (hash ^ (ch & 0xFFu)) * 16777619u;
            hash = (hash ^ (uint)(ch >> 8)) * 16777619u;
        }

        hash = (hash ^ 0xFFu) * 16777619u;
    }
}

/// <summary>How instances sharing the database divide the work: detector leases (null: this process owns every series) and the incident decision lock.</summary>
public sealed record ClusterCoordination(IDetectorLeases? Leases, IIncidentDecisionLock DecisionLock)
{
    public static readonly ClusterCoordination SingleInstance = new(null, ProcessDecisionLock.Instance);
}
