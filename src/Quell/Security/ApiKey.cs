namespace Quell.Security;

/// <summary>
/// One API key as stored: never the secret itself, only its SHA-256. <see cref="Tenant"/> pins an ingest key to one
/// tenant; <see cref="ReadTenants"/> limits what a reading key sees (empty: every tenant).
/// </summary>
public sealed record ApiKey
{
    public required string Id { get; init; }

    /// <summary>Who the key acts for; recorded as the actor of everything it does. Unique among active keys.</summary>
    public required string Name { get; init; }

    /// <summary>The first characters of the secret, enough to tell keys apart in a list.</summary>
    public required string Prefix { get; init; }

    /// <summary>Lower-case hex SHA-256 of the secret.</summary>
    public required string Hash { get; init; }

    public required IReadOnlyList<string> Scopes { get; init; }

    public string? Tenant { get; init; }

    public IReadOnlyList<string> ReadTenants { get; init; } = [];

    public required DateTimeOffset CreatedAt { get; init; }

    public string? CreatedBy { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public bool IsActive => RevokedAt is null;
}
