using System.Text.Json.Serialization;

namespace Quell.Security;

/// <summary>A key as the API lists it: never the secret, never the hash.</summary>
public sealed record ApiKeyView(string Id, string Name, string Prefix, IReadOnlyList<string> Scopes, string? Tenant, IReadOnlyList<string>? ReadTenants, DateTimeOffset CreatedAt, string? CreatedBy, DateTimeOffset? RevokedAt, bool Active)
{
    public static ApiKeyView From(ApiKey k) => new(k.Id, k.Name, k.Prefix, k.Scopes, k.Tenant, k.ReadTenants.Count == 0 ? null : k.ReadTenants, k.CreatedAt, k.CreatedBy, k.RevokedAt, k.IsActive);
}

/// <summary>The answer to creating a key: the only time its secret is shown.</summary>
public sealed record CreatedApiKeyView(ApiKeyView Key, string Secret);

/// <summary>POST /api/v1/keys.</summary>
public sealed record ApiKeyCreateBody(string? Name, IReadOnlyList<string>? Scopes, string? Tenant, IReadOnlyList<string>? ReadTenants);

/// <summary>Source-generated JSON for keys and the audit log.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiKeyView))]
[JsonSerializable(typeof(List<ApiKeyView>))]
[JsonSerializable(typeof(CreatedApiKeyView))]
[JsonSerializable(typeof(ApiKeyCreateBody))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(List<AuditEntry>))]
internal sealed partial class SecurityJson : JsonSerializerContext;
