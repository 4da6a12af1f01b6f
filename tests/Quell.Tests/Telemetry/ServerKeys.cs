using Quell.Client;
using Quell.Tests.Server;

namespace Quell.Tests.Telemetry;

/// <summary>
/// The credentials an outside process or client needs for a test server: the server's admin key when API keys
/// are on (<c>QuellTestServer.AdminKey</c>), and the OTLP exporter header that carries it.
/// </summary>
internal static class ServerKeys
{
    public static string? AdminKey(QuellTestServer server) =>
        typeof(QuellTestServer).GetProperty("AdminKey")?.GetValue(server) as string;

    /// <summary>The standard OTLP exporter variable for a bearer key (value URL-encoded as the spec asks).</summary>
    public static string? OtlpHeaders(QuellTestServer server) =>
        AdminKey(server) is { } key ? "Authorization=Bearer%20" + key : null;

    /// <summary>Options for Quell.Client against the server, with its key when there is one.</summary>
    public static QuellClientOptions ClientOptions(QuellTestServer server)
    {
        var options = new QuellClientOptions { Endpoint = server.BaseAddress, Feature = "support_chat", Provider = "openai", FollowMitigations = false };
        if (AdminKey(server) is { } key)
        {
            typeof(QuellClientOptions).GetProperty("ApiKey")?.SetValue(options, key);
        }

        return options;
    }
}
