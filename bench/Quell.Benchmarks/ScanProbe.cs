using System.Diagnostics;
using Quell.Scanning;
using Quell.Simulation;

namespace Quell.Benchmarks;

/// <summary>Times the ingest-path scan of simulated calls, split into input and output: `probe-scan [calls]`.</summary>
internal static class ScanProbe
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var calls = new AppSimulator(new SimulationOptions { Seed = 1, Duration = TimeSpan.FromDays(30), RequestsPerSecond = 2 })
            .Run().OfType<SimulatedCall>().Take(n).Select(c => c.Call).ToList();
        var scanner = new ContentScanner();
        var callScanner = new CallScanner(scanner);
        callScanner.Scan(calls[0]);
        var gc = GC.CollectionCount(0);
        var sw = Stopwatch.StartNew();
        foreach (var c in calls)
        {
            if (c.Input is not null)
            {
                scanner.ScanInput(c.Input, c.Tenant);
            }
        }

        var input = sw.Elapsed;
        sw.Restart();
        foreach (var c in calls)
        {
            if (c.Output is not null)
            {
                scanner.ScanOutput(c.Output, c.Tenant, c.Input, c.SystemPrompt, c.Retrieved);
            }
        }

        var output = sw.Elapsed;
        Console.WriteLine($"calls={n} input_us_per_call={input.TotalMicroseconds / n:F2} output_us_per_call={output.TotalMicroseconds / n:F2} gen0_collections={GC.CollectionCount(0) - gc}");
        return 0;
    }
}
