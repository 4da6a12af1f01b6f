using System.CommandLine;
using Quell.Configuration;
using Quell.Gateway;
using Quell.Yaml;

namespace Quell.Cli;

/// <summary>`quell gateway`: the OpenAI/Anthropic-compatible proxy that records calls and enforces mitigations.</summary>
public static class GatewayCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on", DefaultValueFactory = _ => "http://127.0.0.1:4000" };
        var server = new Option<string?>("--server") { Description = "The Quell server (default: QUELL_SERVER, else http://127.0.0.1:4318)" };
        var config = new Option<string?>("--config") { Description = "quell.yaml with the gateway section (upstreams) and prices" };
        // The gateway's own key (scopes ingest and read) comes from the global --api-key / QUELL_API_KEY.
        var command = new Command("gateway", "Run the model gateway: point OpenAI/Anthropic SDKs at it with a Quell key as their API key.") { urls, server, config };
        command.SetAction(async (parse, ct) =>
        {
            QuellConfig cfg;
            try
            {
                cfg = ConfigLoader.Load(parse.GetValue(config));
            }
            catch (ConfigException ex)
            {
                await Console.Error.WriteLineAsync($"quell: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            var errors = cfg.Gateway.Errors().ToList();
            if (cfg.Gateway.Upstreams.Count == 0)
            {
                errors.Add("gateway.upstreams: configure at least one upstream (name, kind, url, api_key_env)");
            }

            var serverText = parse.GetValue(server) ?? CliHttp.DefaultServer();
            if (!Uri.TryCreate(serverText, UriKind.Absolute, out var serverUri))
            {
                errors.Add($"--server: '{serverText}' is not an absolute URL");
            }

            var key = CliHttp.CurrentKey;
            if (string.IsNullOrWhiteSpace(key))
            {
                errors.Add("--api-key: the gateway needs its own Quell key (scopes ingest and read); create one with `quell keys create` and pass it or set QUELL_API_KEY");
            }

            if (errors.Count > 0)
            {
                foreach (var e in errors)
                {
                    await Console.Error.WriteLineAsync($"quell: {e}").ConfigureAwait(false);
                }

                return 2;
            }

            GatewayHost.PrepareProcess();
            var app = GatewayHost.Build(new GatewayHostOptions { Urls = parse.GetValue(urls)!, Server = serverUri!, ApiKey = key!, Config = cfg, QuietLogging = false });
            try
            {
                await app.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"quell: cannot listen on {parse.GetValue(urls)}: {ex.Message}. Choose another address with --urls.").ConfigureAwait(false);
                return 3;
            }

            await Console.Out.WriteLineAsync($"quell gateway: listening on {string.Join(", ", app.Urls)}; reporting to {serverUri}; upstreams {string.Join(", ", cfg.Gateway.Upstreams.Select(u => u.Name))}").ConfigureAwait(false);
            await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
