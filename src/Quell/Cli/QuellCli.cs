using System.CommandLine;

namespace Quell.Cli;

/// <summary>The `quell` command line: every verb with its options and help.</summary>
public static class QuellCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Quell: incident response for production AI systems.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ScanCommand.Create());
        root.Subcommands.Add(CanaryCommand.Create());
        root.Subcommands.Add(BacktestCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(IncidentsCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(PostmortemCommand.Create());
        root.Subcommands.Add(PostmortemCommand.Search());
        root.Subcommands.Add(PostmortemCommand.Report());
        root.Subcommands.Add(RunbookCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(GatewayCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(KeysCommand.Audit());
        var apiKey = CliHttp.ApiKeyOption();
        root.Options.Add(apiKey);
        var parse = root.Parse(args);
        CliHttp.Use(parse, apiKey);
        try
        {
            // Expected failures are reported below in one line each; only bugs may reach the default handler.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception ex) when (CliFailure.From(ex, Verb(parse)) is { } failure)
        {
            await Console.Error.WriteLineAsync(failure.Message).ConfigureAwait(false);
            return failure.ExitCode;
        }
    }

    private static string Verb(ParseResult parse)
    {
        var names = new List<string>();
        for (var c = parse.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (c.Command is not RootCommand)
            {
                names.Insert(0, c.Command.Name);
            }
        }

        return names.Count == 0 ? "quell" : "quell " + string.Join(' ', names);
    }
}
