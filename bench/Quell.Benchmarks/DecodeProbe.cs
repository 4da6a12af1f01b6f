using System.Diagnostics;
using Quell.Ingest;
using Quell.Simulation;

namespace Quell.Benchmarks;

/// <summary>
/// CPU time of decoding 1,000 realistic native NDJSON calls, `probe-decode [rounds]`: process CPU time rather than
/// wall time, so a figure taken while other work shares the cores still compares with one taken on a quiet machine.
/// </summary>
internal static class DecodeProbe
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var calls = new AppSimulator(new SimulationOptions { Seed = 5, Duration = TimeSpan.FromDays(1) })
            .Run().OfType<SimulatedCall>().Take(1000).Select(c => c.Call).ToList();
        var ndjson = CallRecordJsonWriter.ToNdjson(calls);
        var decoder = new NativeCallDecoder(new IngestLimits(), TimeProvider.System);
        for (var i = 0; i < 50; i++)
        {
            decoder.Decode(ndjson, out _);
        }

        var process = Process.GetCurrentProcess();
        for (var r = 0; r < rounds; r++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            for (var i = 0; i < 200; i++)
            {
                decoder.Decode(ndjson, out _);
            }

            process.Refresh();
            Console.WriteLine($"round {r}: {(process.TotalProcessorTime - cpu).TotalMilliseconds / 200:F2} ms CPU per 1,000 calls");
        }

        return 0;
    }
}
