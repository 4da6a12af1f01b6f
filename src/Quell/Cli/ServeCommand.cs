using System.CommandLine;
using Quell.Configuration;
using Quell.Server;
using Quell.Server.Storage;

namespace Quell.Cli;

/// <summary>`quell serve`: the server on Kestrel over the embedded SQLite store or a shared PostgreSQL.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on", DefaultValueFactory = _ => "http://127.0.0.1:4318" };
        var data = new Option<string>("--data") { Description = "Directory for local files and the SQLite store", DefaultValueFactory = _ => "./quell-data" };
        var postgres = new Option<string?>("--postgres") { Description = $"PostgreSQL connection string; keeps every store in PostgreSQL instead of SQLite (default: ${Server.Storage.StorageSetup.PostgresVariable})" };
        var config = new Option<string?>("--config") { Description = "quell.yaml with features, prices and rules (optional)" };
        var noDetect = new Option<bool>("--no-detect") { Description = "Ingest-only node: accept and store calls, leave detection to another process on the same store" };
        var leaseTtl = new Option<double>("--lease-ttl") { Description = "Seconds a detector partition lease lasts without renewal when several instances share PostgreSQL (the failover time)", DefaultValueFactory = _ => 15 };
        var command = new Command("serve", "Run the Quell server: OTLP and native ingest, API, /metrics, /healthz.") { urls, data, postgres, config, noDetect, leaseTtl };
        command.SetAction(async (parse, ct) =>
        {
            // An invalid file, a port in use or a data directory that cannot be written end in one line (see CliFailure).
            var cfg = ConfigLoader.Load(parse.GetValue(config));

            string? adminKey;
            try
            {
                adminKey = AdminKeyFromEnvironment();
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"quell: cannot read QUELL_ADMIN_KEY_FILE: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            if (adminKey is not null && adminKey.Length is < Security.ApiKeySecret.MinimumLength or > Security.ApiKeySecret.MaximumLength)
            {
                await Console.Error.WriteLineAsync($"quell: the admin key must be {Security.ApiKeySecret.MinimumLength}-{Security.ApiKeySecret.MaximumLength} characters (e.g. 'openssl rand -hex 32')").ConfigureAwait(false);
                return 2;
            }

            if (parse.GetValue(leaseTtl) is var ttl && (double.IsNaN(ttl) || ttl < 1 || ttl > 3600))
            {
                await Console.Error.WriteLineAsync("quell: --lease-ttl must be between 1 and 3600 seconds").ConfigureAwait(false);
                return 2;
            }

            var connection = parse.GetValue(postgres) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable(Server.Storage.StorageSetup.PostgresVariable);
            var app = QuellServer.Build(new QuellServerOptions
            {
                AdminKey = adminKey,
                AdminKeyCreated = key => Console.Out.WriteLine($"quell: first start: created admin API key {key}\nquell: it is shown only this once; store it now (QUELL_API_KEY for the CLI)"),
                Urls = parse.GetValue(urls)!,
                DataDirectory = parse.GetValue(data)!,
                Postgres = connection is { Length: > 0 } ? connection : null,
                Config = cfg,
                QuietLogging = false,
                LogStartFailure = false,
                Detection = new Server.Detection.DetectionServiceOptions { Enabled = !parse.GetValue(noDetect) },
                LeaseTtl = TimeSpan.FromSeconds(parse.GetValue(leaseTtl)),
            });
            await app.StartAsync(ct).ConfigureAwait(false);
            var storage = app.Services.GetRequiredService<Server.Storage.IStorageProvider>();
            await Console.Out.WriteLineAsync($"quell: listening on {string.Join(", ", app.Urls)}; data in {(storage.Name == "sqlite" ? Path.GetFullPath(parse.GetValue(data)!) : storage.Location)}").ConfigureAwait(false);
            await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>An operator-chosen admin key for automation: QUELL_ADMIN_KEY, or the first line of QUELL_ADMIN_KEY_FILE (a mounted secret).</summary>
    private static string? AdminKeyFromEnvironment()
    {
        if (Environment.GetEnvironmentVariable("QUELL_ADMIN_KEY") is { Length: > 0 } key)
        {
            return key;
        }

        return Environment.GetEnvironmentVariable("QUELL_ADMIN_KEY_FILE") is { Length: > 0 } file
            ? File.ReadLines(file).FirstOrDefault()?.Trim()
            : null;
    }
}
