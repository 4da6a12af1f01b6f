using System.Text.Json.Serialization;

namespace Quell.Client;

/// <summary>The client's side of the shared wire types (declared in Quell.Contracts).</summary>
internal static class WireScopes
{
    public static bool Matches(this MitigationScopeInfo scope, in CallContext c) => scope.Matches(c.Feature, c.Tenant, c.User, c.Provider, c.Model);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MitigationSnapshot))]
[JsonSerializable(typeof(CallReport))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
