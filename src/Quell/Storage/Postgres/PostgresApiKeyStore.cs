using Dapper;
using Quell.Security;

namespace Quell.Storage.Postgres;

/// <summary>API keys in PostgreSQL: hashes, scopes, tenant limits and revocations, shared by every instance.</summary>
public sealed class PostgresApiKeyStore(PostgresDatabase database) : IApiKeyStore
{
    private const string Select = "SELECT id AS Id, name AS Name, prefix AS Prefix, hash AS Hash, scopes AS Scopes, tenant AS Tenant, read_tenants AS ReadTenants, created_at AS CreatedAt, created_by AS CreatedBy, revoked_at AS RevokedAt FROM api_keys";

    public void Insert(ApiKey key)
    {
        using var connection = database.Open();
        connection.Execute(
            "INSERT INTO api_keys(id, name, prefix, hash, scopes, tenant, read_tenants, created_at, created_by, revoked_at) VALUES (@Id, @Name, @Prefix, @Hash, @scopes, @Tenant, @readTenants, @createdAt, @CreatedBy, NULL)",
            new
            {
                key.Id,
                key.Name,
                key.Prefix,
                key.Hash,
                scopes = string.Join(' ', key.Scopes),
                key.Tenant,
                readTenants = key.ReadTenants.Count == 0 ? null : string.Join('\n', key.ReadTenants),
                createdAt = key.CreatedAt.ToUnixTimeMilliseconds(),
                key.CreatedBy,
            });
    }

    public ApiKey? FindByHash(string hash)
    {
        using var connection = database.Open();
        return connection.Query<Row>($"{Select} WHERE hash = @hash", new { hash }).Select(ToKey).FirstOrDefault();
    }

    public ApiKey? FindById(string id)
    {
        using var connection = database.Open();
        return connection.Query<Row>($"{Select} WHERE id = @id", new { id }).Select(ToKey).FirstOrDefault();
    }

    public IReadOnlyList<ApiKey> List()
    {
        using var connection = database.Open();
        return connection.Query<Row>($"{Select} ORDER BY created_at, id").Select(ToKey).ToList();
    }

    public bool AnyActive()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<bool>("SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)");
    }

    public bool ActiveNameExists(string name)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<bool>("SELECT EXISTS (SELECT 1 FROM api_keys WHERE name = @name AND revoked_at IS NULL)", new { name });
    }

    public bool Revoke(string id, DateTimeOffset at, string? by)
    {
        using var connection = database.Open();
        return connection.Execute(
            "UPDATE api_keys SET revoked_at = @at, revoked_by = @by WHERE id = @id AND revoked_at IS NULL",
            new { id, at = at.ToUnixTimeMilliseconds(), by }) == 1;
    }

    private static ApiKey ToKey(Row r) => new()
    {
        Id = r.Id,
        Name = r.Name,
        Prefix = r.Prefix,
        Hash = r.Hash,
        Scopes = r.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        Tenant = r.Tenant,
        ReadTenants = r.ReadTenants?.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [],
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
        CreatedBy = r.CreatedBy,
        RevokedAt = r.RevokedAt is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null,
    };

    private sealed record Row(string Id, string Name, string Prefix, string Hash, string Scopes, string? Tenant, string? ReadTenants, long CreatedAt, string? CreatedBy, long? RevokedAt);
}
