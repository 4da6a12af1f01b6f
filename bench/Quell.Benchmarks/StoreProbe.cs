using System.Diagnostics;
using Quell.Simulation;
using Quell.Storage.Sqlite;

namespace Quell.Benchmarks;

/// <summary>Times raw appends to the calls log in isolation: `probe-store [rounds]`.</summary>
internal static class StoreProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        var calls = new AppSimulator(new SimulationOptions { Seed = 9, Duration = TimeSpan.FromDays(1) })
            .Run().OfType<SimulatedCall>().Take(10_000).Select(c => c.Call).ToList();
        var dir = Path.Combine(Path.GetTempPath(), "quell-probe-" + Guid.NewGuid().ToString("N"));
        using var log = new SqliteCallLog(new SqliteDatabase(Path.Combine(dir, "quell.db")), TimeProvider.System);
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10;
        for (var r = 0; r < rounds; r++)
        {
            var batch = calls.Select(c => c with { Id = $"{c.Id}-{r}" }).ToList();
            var sw = Stopwatch.StartNew();
            await log.AppendAsync(batch).ConfigureAwait(false);
            Console.WriteLine($"round {r}: {sw.Elapsed.TotalMilliseconds:F0} ms for {batch.Count} calls");
        }

        Directory.Delete(dir, recursive: true);
        return 0;
    }
}
