using Npgsql;
using Quell.Server.Storage;

namespace Quell.Storage.Postgres;

/// <summary>One PostgreSQL database: a pooled data source, with Quell's migrations applied once on open.</summary>
public sealed class PostgresDatabase : IDisposable
{
    public PostgresDatabase(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new StorageOpenException($"the PostgreSQL connection string is not valid: {ex.Message}", ex);
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "quell";
        }

        Location = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        SearchPath = builder.SearchPath;
        DataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            using var connection = DataSource.OpenConnection();
            PostgresMigrations.Apply(connection);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            DataSource.Dispose();
            throw new StorageOpenException($"cannot open the PostgreSQL database at {Location}: {ex.Message}", ex);
        }
    }

    /// <summary>Host, port and database, never the password.</summary>
    public string Location { get; }

    /// <summary>The schema search path of the connection string, when it names one.</summary>
    public string? SearchPath { get; }

    public NpgsqlDataSource DataSource { get; }

    public NpgsqlConnection Open() => DataSource.OpenConnection();

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default) => DataSource.OpenConnectionAsync(cancellationToken);

    public void Dispose() => DataSource.Dispose();
}
