using System.CommandLine;
using System.Net.Http.Headers;

namespace Quell.Cli;

/// <summary>
/// How every CLI verb reaches a server: <c>--server</c> / QUELL_SERVER for where, <c>--api-key</c> / QUELL_API_KEY
/// for who. The key rides in the Authorization header of each request.
/// </summary>
internal static class CliHttp
{
    public const string DefaultServerUrl = "http://127.0.0.1:4318";

    /// <summary>The --api-key option, accepted on every verb (recursive); one instance per root command.</summary>
    public static Option<string?> ApiKeyOption() => new("--api-key")
    {
        Description = "API key for the server (default: QUELL_API_KEY)",
        Recursive = true,
    };

    // Per invocation, so in-process runs side by side (tests) keep their own keys.
    private static readonly AsyncLocal<string?> Key = new();

    /// <summary>QUELL_SERVER or the local default.</summary>
    public static string DefaultServer() => Environment.GetEnvironmentVariable("QUELL_SERVER") is { Length: > 0 } s ? s : DefaultServerUrl;

    /// <summary>Takes the key of this invocation from the parsed command line or the environment.</summary>
    public static void Use(ParseResult parse, Option<string?> apiKey) =>
        Key.Value = parse.GetValue(apiKey) is { Length: > 0 } key ? key : Environment.GetEnvironmentVariable("QUELL_API_KEY");

    /// <summary>A client for the server that sends this invocation's key.</summary>
    public static HttpClient Create(string server, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(server), Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        if (Key.Value is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Trim());
        }

        return http;
    }
}
