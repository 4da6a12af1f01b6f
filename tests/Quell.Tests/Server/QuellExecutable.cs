using System.Diagnostics;
using System.Text;

namespace Quell.Tests.Server;

/// <summary>The built `quell` executable as a child process, the way an operator starts it.</summary>
public static class QuellExecutable
{
    /// <summary>
    /// Starts `quell` with these arguments (an environment value of null removes the variable) and waits up to a
    /// minute for its "listening on" line. A child that exits first throws with its standard error.
    /// </summary>
    public static async Task<(Process Process, Uri Address)> StartListeningAsync(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "quell.dll"), .. arguments])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) => errors.AppendLine(e.Data);
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                // Standard error can still be in flight when standard output closes: wait for the exit, which also
                // waits for the asynchronous error reader to reach its end.
                await process.WaitForExitAsync(timeout.Token);
                throw new InvalidOperationException($"quell {arguments[0]} exited: {errors}");
            }

            var at = line.IndexOf("listening on ", StringComparison.Ordinal);
            if (at >= 0)
            {
                _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                return (process, new Uri(line[(at + "listening on ".Length)..].Split([',', ';', ' '])[0]));
            }
        }
    }
}
