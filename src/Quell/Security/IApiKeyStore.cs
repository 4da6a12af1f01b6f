namespace Quell.Security;

/// <summary>API keys at rest: hashes, scopes, tenant limits and revocations.</summary>
public interface IApiKeyStore
{
    void Insert(ApiKey key);

    ApiKey? FindByHash(string hash);

    ApiKey? FindById(string id);

    IReadOnlyList<ApiKey> List();

    bool AnyActive();

    bool ActiveNameExists(string name);

    /// <summary>Marks the key revoked; false when it does not exist or was revoked already.</summary>
    bool Revoke(string id, DateTimeOffset at, string? by);
}

/// <summary>Where audit entries are stored; <see cref="AuditLog"/> batches writes to it off the request path.</summary>
public interface IAuditStore
{
    Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>Entries newest first, optionally of one actor and since an instant.</summary>
    Task<IReadOnlyList<AuditEntry>> QueryAsync(string? actor, DateTimeOffset? since, int limit, CancellationToken cancellationToken = default);
}
