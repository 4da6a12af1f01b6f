using Dapper;
using Quell.Scanning.Canaries;

namespace Quell.Storage.Sqlite;

/// <summary>Minted canaries, kept so a restarted server still recognises every marker it ever issued.</summary>
public sealed class SqliteCanaryStore(SqliteDatabase database, TimeProvider time) : ICanaryStore
{
    public async Task SaveAsync(Canary canary, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT OR IGNORE INTO canaries(token, tenant, placement, created_at) VALUES (@Token, @Tenant, @placement, @now)",
            new { canary.Token, canary.Tenant, placement = canary.Placement.ToString(), now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public IReadOnlyList<Canary> LoadAll()
    {
        using var connection = database.Open();
        return connection.Query<(string Token, string Tenant, string Placement)>("SELECT token, tenant, placement FROM canaries")
            .Select(r => new Canary(r.Token, r.Tenant, Enum.Parse<CanaryPlacement>(r.Placement)))
            .ToList();
    }
}
