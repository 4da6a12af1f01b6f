using Npgsql;
using Quell.Server.Storage;
using Quell.Storage;
using Quell.Storage.Postgres;
using Quell.Storage.Sqlite;
using Quell.Tests.Server;

namespace Quell.Tests.Storage;

/// <summary>Opens fresh, empty stores of one provider; the storage contract tests run once per fixture.</summary>
public abstract class StorageFixture
{
    public abstract string Name { get; }

    /// <summary>A provider over a store no other test uses.</summary>
    public abstract IStorageProvider Create(TimeProvider time);

    /// <summary>A second provider over the same store as <paramref name="first"/>, as a restarted (or another) instance opens it.</summary>
    public abstract IStorageProvider Reopen(IStorageProvider first, TimeProvider time);
}

/// <summary>SQLite in a fresh temp folder per store.</summary>
public sealed class SqliteStorageFixture : StorageFixture
{
    public override string Name => "sqlite";

    public override IStorageProvider Create(TimeProvider time) => new SqliteStorageProvider(TempDirectory.Create(), time);

    public override IStorageProvider Reopen(IStorageProvider first, TimeProvider time) =>
        new SqliteStorageProvider(Path.GetDirectoryName(((SqliteStorageProvider)first).Database.Path)!, time);
}

/// <summary>
/// A throwaway PostgreSQL database per test class (CREATE DATABASE quell_test_…, dropped afterwards) on the server named
/// by QUELL_TEST_POSTGRES, which test.sh starts; each store gets its own schema in it. Without a server every test of
/// the class fails with the reason: PostgreSQL tests never skip.
/// </summary>
public sealed class PostgresStorageFixture : StorageFixture, IAsyncLifetime
{
    public const string Variable = "QUELL_TEST_POSTGRES";

    private readonly string _database = $"quell_test_{Guid.NewGuid():N}"[..27];
    private int _schemas;

    public override string Name => "postgresql";

    /// <summary>The server's connection string, from QUELL_TEST_POSTGRES; throws with the reason when there is none.</summary>
    public static string ServerConnectionString()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } connection)
        {
            return connection;
        }

        var reason = Environment.GetEnvironmentVariable("QUELL_TEST_POSTGRES_ERROR");
        throw new InvalidOperationException(reason is { Length: > 0 }
            ? $"PostgreSQL is not available for the storage tests: {reason}"
            : $"{Variable} is not set: run ./test.sh, which installs and starts a throwaway PostgreSQL, or set it to a server's connection string (superuser, e.g. Host=127.0.0.1;Port=5432;Username=postgres)");
    }

    /// <summary>The connection string of this class's database.</summary>
    public string DatabaseConnectionString => new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = _database, Pooling = true }.ConnectionString;

    public override IStorageProvider Create(TimeProvider time) => new PostgresStorageProvider(NewSchema(), time);

    public override IStorageProvider Reopen(IStorageProvider first, TimeProvider time)
    {
        var schema = first is PostgresStorageProvider p ? p.Database.SearchPath : throw new ArgumentException("not a PostgreSQL provider", nameof(first));
        return new PostgresStorageProvider(new NpgsqlConnectionStringBuilder(DatabaseConnectionString) { SearchPath = schema }.ConnectionString, time);
    }

    /// <summary>A connection string whose search path is a new, empty schema of this class's database.</summary>
    public string NewSchema()
    {
        var schema = $"s{Interlocked.Increment(ref _schemas)}_{Guid.NewGuid():N}"[..16];
        using (var connection = new NpgsqlConnection(DatabaseConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(DatabaseConnectionString) { SearchPath = schema }.ConnectionString;
    }

    public async Task InitializeAsync()
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {_database}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
