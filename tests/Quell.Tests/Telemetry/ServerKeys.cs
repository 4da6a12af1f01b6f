using Quell.Client;
using Quell.Tests.Server;

namespace Quell.Tests.Telemetry;

/// <summary>The credentials an outside process or client needs for a test server: its admin key, as an OTLP exporter header or client option.</summary>
internal static class ServerKeys
{
    public static string AdminKey(QuellTestServer server) => server.AdminKey;

    /// <summary>The standard OTLP exporter variable for a bearer key (value URL-encoded as the spec asks).</summary>
    public static string OtlpHeaders(QuellTestServer server) => "Authorization=Bearer%20" + server.AdminKey;

    /// <summary>Options for Quell.Client against the server, with its key.</summary>
    public static QuellClientOptions ClientOptions(QuellTestServer server) =>
        new() { Endpoint = server.BaseAddress, ApiKey = server.AdminKey, Feature = "support_chat", Provider = "openai", FollowMitigations = false };
}
