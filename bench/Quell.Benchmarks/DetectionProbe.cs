using System.Diagnostics;
using System.Globalization;

namespace Quell.Benchmarks;

/// <summary>
/// <see cref="DetectionBenchmarks"/>' workload timed run by run in wall time and in this process's CPU time: on a
/// shared machine the CPU time of a single-threaded loop stays close to its quiet-machine wall time while the wall
/// time grows with the load. <c>probe-detection [--runs N]</c>.
/// </summary>
internal static class DetectionProbe
{
    private const int Calls = 1_000_000;

    public static int Run(string[] args)
    {
        var runs = args.Length == 2 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var bench = new DetectionBenchmarks();
        bench.Setup();
        var (wall, cpu) = (new List<double>(), new List<double>());
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < runs; r++)
        {
            process.Refresh();
            var (cpu0, bytes0) = (process.TotalProcessorTime, GC.GetAllocatedBytesForCurrentThread());
            var clock = Stopwatch.StartNew();
            bench.ObserveCallsFullEngine();
            clock.Stop();
            process.Refresh();
            var (cpu1, bytes1) = (process.TotalProcessorTime, GC.GetAllocatedBytesForCurrentThread());
            wall.Add(clock.Elapsed.TotalNanoseconds / Calls);
            cpu.Add((cpu1 - cpu0).TotalNanoseconds / Calls);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {r + 1}: {wall[^1]:0.0} ns/call wall, {cpu[^1]:0.0} ns/call CPU, {(bytes1 - bytes0) / (double)Calls:0.0} B/call allocated (fresh engine)"));
        }

        wall.Sort();
        cpu.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wall min {wall[0]:0.0} median {wall[runs / 2]:0.0} ns/call; CPU min {cpu[0]:0.0} median {cpu[runs / 2]:0.0} ns/call ({1000 / cpu[runs / 2]:0.00} M calls/s per core at the CPU median)"));
        return 0;
    }
}
