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
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(KeysCommand.Audit());
        var apiKey = CliHttp.ApiKeyOption();
        root.Options.Add(apiKey);
        var parse = root.Parse(args);
        CliHttp.Use(parse, apiKey);
        return await parse.InvokeAsync().ConfigureAwait(false);
    }
}
