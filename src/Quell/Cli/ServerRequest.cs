using System.CommandLine;
using System.Text;
using System.Text.Json;

namespace Quell.Cli;

/// <summary>One request to a Quell server for the fix-and-learn verbs: prints the body, or the problem's detail on stderr.</summary>
internal static class ServerRequest
{
    public static Task<int> SendAsync(string verb, string server, HttpMethod method, string path, string? json, Func<string, string>? render, CancellationToken ct) =>
        SendAsync(verb, server, method, path, json, text => Console.Out.WriteLine(render is null ? text : render(text)), TimeSpan.FromMinutes(10), ct);

    /// <summary>Sends the request; a successful body goes to <paramref name="onSuccess"/>. Exit codes: 0 ok, 1 refused, 3 unreachable, 4 not found.</summary>
    public static async Task<int> SendAsync(string verb, string server, HttpMethod method, string path, string? json, Action<string> onSuccess, TimeSpan timeout, CancellationToken ct)
    {
        using var http = CliHttp.Create(server, timeout);
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var detail = text;
                try
                {
                    detail = JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString() ?? text;
                }
                catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    // Not a problem+json body: show it as it is.
                }

                await Console.Error.WriteLineAsync($"quell {verb}: HTTP {(int)response.StatusCode}: {detail}").ConfigureAwait(false);
                return response.StatusCode == System.Net.HttpStatusCode.NotFound ? 4 : 1;
            }

            onSuccess(text);
            return 0;
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"quell {verb}: cannot reach {server}: {ex.Message}").ConfigureAwait(false);
            return 3;
        }
    }

    public static Option<string> ServerOption() => new("--server") { Description = "Quell server URL", DefaultValueFactory = _ => CliHttp.DefaultServer() };

    public static string Esc(string? s) => Uri.EscapeDataString(s ?? string.Empty);
}
