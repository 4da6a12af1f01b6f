using Dapper;
using Quell.Scanning.Canaries;

namespace Quell.Storage.Postgres;

/// <summary>Minted canaries in PostgreSQL, so every instance recognises every marker any of them issued.</summary>
public sealed class PostgresCanaryStore(PostgresDatabase database, TimeProvider time) : ICanaryStore
{
    public async Task SaveAsync(Canary canary, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO canaries(token, tenant, placement, created_at) VALUES (@Token, @Tenant, @placement, @now) ON CONFLICT (token) DO NOTHING",
            new { canary.Token, canary.Tenant, placement = canary.Placement.ToString(), now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public IReadOnlyList<Canary> LoadAll()
    {
        using var connection = database.Open();
        return connection.Query<(string Token, string Tenant, string Placement)>("SELECT token, tenant, placement FROM canaries ORDER BY created_at, token")
            .Select(r => new Canary(r.Token, r.Tenant, Enum.Parse<CanaryPlacement>(r.Placement)))
            .ToList();
    }
}
