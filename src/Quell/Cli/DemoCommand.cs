using System.CommandLine;
using System.Text.Json;
using Quell.Configuration;
using Quell.Demo;
using Quell.Yaml;
using Spectre.Console;

namespace Quell.Cli;

/// <summary>`quell demo`: a simulated multi-tenant AI application against an in-process Quell.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var speed = new Option<double>("--speed") { Description = "Simulated seconds per wall-clock second (0: as fast as possible)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed gives the same run", DefaultValueFactory = _ => 7 };
        var json = new Option<bool>("--json") { Description = "Print the final report as JSON on stdout (progress stays on stderr)" };
        var scenario = new Option<string[]>("--scenario") { Description = "Run only these scenarios (repeatable)", AllowMultipleArgumentsPerToken = false };
        var duration = new Option<string>("--duration") { Description = "Simulated span, e.g. 2d, 36h, 30d", DefaultValueFactory = _ => "14d" };
        var rate = new Option<double>("--rate") { Description = "Average user requests per simulated second", DefaultValueFactory = _ => 0.5 };
        var output = new Option<string?>("--output") { Description = "Folder for the demo's store and artefacts (default: a new temporary folder)" };
        var serve = new Option<bool>("--serve") { Description = "Keep the server and its web console running after the simulated span (Ctrl+C stops it)" };
        var urls = new Option<string?>("--urls") { Description = "Where the demo's server listens (default: a free port; with --serve http://127.0.0.1:4318)" };
        var command = new Command("demo", "Run a simulated multi-tenant AI application against an in-process Quell.") { speed, seed, json, scenario, duration, rate, output, serve, urls };
        command.SetAction(async (parse, ct) =>
        {
            var span = YamlTimeSpanConverter.ParseDuration(parse.GetValue(duration)!);
            if (span is null || span <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync($"quell demo: --duration '{parse.GetValue(duration)}' is not a duration (use 2d, 36h, 90m)").ConfigureAwait(false);
                return 2;
            }

            var options = new DemoOptions
            {
                Seed = parse.GetValue(seed),
                Speed = parse.GetValue(speed),
                Duration = span.Value,
                RequestsPerSecond = parse.GetValue(rate),
                Scenarios = parse.GetValue(scenario) ?? [],
                Json = parse.GetValue(json),
                OutputDirectory = parse.GetValue(output),
                Urls = parse.GetValue(urls) ?? (parse.GetValue(serve) ? "http://127.0.0.1:4318" : "http://127.0.0.1:0"),
            };
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            var signIn = string.Empty;
            options = options with
            {
                ConsoleReady = (url, key) =>
                {
                    signIn = key;
                    console.MarkupLineInterpolated($"  web console: [link]{url}[/]  sign-in key: [bold]{key}[/]");
                },
            };
            if (parse.GetValue(serve))
            {
                options = options with { Serve = (report, server, token) => ServeAsync(options, report, server, signIn, console, token) };
            }

            DemoReport report;
            try
            {
                report = await new DemoRunner(options, new ConsoleDemoProgress(console)).RunAsync(ct).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync($"quell demo: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            if (options.Serve is null)
            {
                await PrintAsync(options, report).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static async Task PrintAsync(DemoOptions options, DemoReport report)
    {
        if (options.Json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, DemoJsonContext.Default.DemoReport)).ConfigureAwait(false);
        }
        else
        {
            DemoSummaryView.Render(AnsiConsole.Console, report);
        }
    }

    private static async Task ServeAsync(DemoOptions options, DemoReport report, Uri server, string key, IAnsiConsole progress, CancellationToken ct)
    {
        await PrintAsync(options, report).ConfigureAwait(false);
        progress.MarkupLineInterpolated($"[bold]The demo's server stays up:[/] walk through the {report.Incidents.Count} incidents at [link]{new Uri(server, "/incidents")}[/], sign in with [bold]{key}[/] (Ctrl+C stops it)");
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: stop serving.
        }
    }
}
