using System.Diagnostics;

namespace Quell.Tests.Server;

/// <summary>Runs the built `quell` command as its own process, the way an operator's shell runs it.</summary>
public static class QuellCliProcess
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "quell.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        // A wide terminal, so tables are not wrapped into what a test cannot read.
        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
