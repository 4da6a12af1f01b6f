using System.CommandLine;
using System.Net.Http.Json;
using Quell.Server;

namespace Quell.Cli;

/// <summary>`quell canary issue --tenant T`: mints a marker to plant in a tenant's documents, memory or system prompt.</summary>
public static class CanaryCommand
{
    public static Command Create()
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant that owns the canary", Required = true };
        var placement = new Option<string>("--placement") { Description = "document, memory or system_prompt", DefaultValueFactory = _ => "document" };
        var server = new Option<string>("--server") { Description = "Quell server URL", DefaultValueFactory = _ => CliHttp.DefaultServer() };
        var issue = new Command("issue", "Mint a canary token for a tenant and print it.") { tenant, placement, server };
        issue.SetAction(async (parse, ct) =>
        {
            using var http = CliHttp.Create(parse.GetValue(server)!);
            using var response = await http.PostAsJsonAsync("/api/v1/canaries", new CanaryRequest(parse.GetValue(tenant), parse.GetValue(placement)), ServerJsonContext.Default.CanaryRequest, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"quell canary: HTTP {(int)response.StatusCode}: {body}").ConfigureAwait(false);
                return 1;
            }

            var canary = System.Text.Json.JsonSerializer.Deserialize(body, ServerJsonContext.Default.CanaryView)!;
            await Console.Out.WriteLineAsync(canary.Token).ConfigureAwait(false);
            return 0;
        });
        return new Command("canary", "Canary tokens that reveal cross-tenant and system-prompt leaks.") { issue };
    }
}
