using Quell.Evals;
using Quell.Incidents;
using Quell.Isolation;
using Quell.Mitigations;
using Quell.Notifications;
using Quell.Postmortems;
using Quell.Scanning.Canaries;
using Quell.Security;
using Quell.Storage;
using Quell.Storage.Sqlite;
using Quell.WebConsole;

namespace Quell.Server.Storage;

/// <summary>Registers the configured storage provider and every store it supplies.</summary>
public static class StorageSetup
{
    /// <summary>The environment variable naming a PostgreSQL connection string when no option gives one.</summary>
    public const string PostgresVariable = "QUELL_POSTGRES";

    /// <summary>PostgreSQL when a connection string is configured, else SQLite in the data directory.</summary>
    public static IStorageProvider Create(StorageOptions options) =>
        options.Postgres is { Length: > 0 } connection
            ? new Quell.Storage.Postgres.PostgresStorageProvider(connection, options.Time, options.OutboxClaimLease)
            : new SqliteStorageProvider(options.DataDirectory, options.Time);

    public static IServiceCollection AddStorage(this IServiceCollection services, StorageOptions options)
    {
        services.AddSingleton(_ => Create(options));
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().CallLog);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().QualityLog);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Alerts);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Changes);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Cursors);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Incidents);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Outbox);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Mitigations);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Canaries);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Evals);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Postmortems);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().ApiKeys);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().Audit);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().IsolationProbes);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>().ConsoleFigures);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageProvider>() is Quell.Storage.Postgres.PostgresStorageProvider pg
            ? new Cluster.ClusterCoordination(new Quell.Storage.Postgres.PostgresDetectorLeases(pg.Database, options.Time, options.DetectorPartitions, options.LeaseTtl), new Quell.Storage.Postgres.PostgresDecisionLock(pg.Database))
            : Cluster.ClusterCoordination.SingleInstance);
        return services;
    }
}

/// <summary>Where Quell keeps its data: a PostgreSQL connection string, else SQLite in <see cref="DataDirectory"/>.</summary>
public sealed record StorageOptions(string DataDirectory, string? Postgres, TimeProvider Time)
{
    /// <summary>How long an outbox claim lasts on PostgreSQL (see <see cref="Quell.Storage.Postgres.PostgresIncidentStore"/>); null: its default.</summary>
    public TimeSpan? OutboxClaimLease { get; init; }

    /// <summary>Detector partitions series are hashed into when several instances share PostgreSQL.</summary>
    public int DetectorPartitions { get; init; } = 16;

    /// <summary>How long a detector partition lease lasts without renewal: the failover time when an instance dies.</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(15);
}
