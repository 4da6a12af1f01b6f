using System.Diagnostics;
using System.Globalization;
using Quell.Scanning;
using Quell.Scanning.Leaks;
using Quell.Scanning.Pii;
using Quell.Scanning.Secrets;

namespace Quell.Benchmarks;

/// <summary>
/// Splits the lexical output scan of <see cref="ScanningBenchmarks"/> into its passes: `probe-scan-passes [rounds]`.
/// Scans the benchmark's 1 MiB corpus with each pass alone and prints the best round in ms per MiB, wall clock and process CPU time
/// (so MB/s = 1000 / figure; CPU time is the steadier figure on a shared machine), to show where the time goes.
/// </summary>
internal static class ScanPassesProbe
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var bench = new ScanningBenchmarks();
        bench.Setup();
        var outputs = bench.Outputs;
        var prompt = bench.SystemPrompt;
        var mib = outputs.Sum(o => o.Length) / (double)(1 << 20);
        var lexical = new ContentScanner(new ContentScannerOptions { InjectionModel = false, SystemPromptLeak = SystemPromptLeakOptions.Default with { Paraphrase = false } });
        var numbers = new PiiScanner(names: false, addresses: false);
        var prompts = new SystemPromptLeakDetector();
        var secrets = new SecretScanner();
        var leaks = new SecretLeakDetector();
        var registry = bench.Canaries;
        var passes = new (string Name, Func<string, int> Scan)[]
        {
            ("all lexical passes (ScanOutputsLexical)", o => lexical.ScanOutput(o, "tenant-1", systemPrompt: prompt).Findings.Count),
            ("secrets", o => Count(l => secrets.Scan(o, l))),
            ("pii: e-mail, numbers, ipv6", o => Count(l => numbers.Scan(o, l))),
            ("pii: street addresses", o => { var m = new List<PiiMatch>(); StreetAddressRecognizer.Scan(o, m); return m.Count; }),
            ("pii: person names", o => { var m = new List<PiiMatch>(); PersonNameRecognizer.Scan(o, m); return m.Count; }),
            ("canaries", o => registry.FindAll(o).Count),
            ("system-prompt copies", o => Count(l => prompts.Detect(o, prompt, l))),
            ("secret disguises", o => Count(l => leaks.Detect(o, null, prompt, l))),
        };
        if (args.Length > 1)
        {
            // `probe-scan-passes rounds N`: only pass N (0 = all passes together), e.g. under a profiler.
            passes = [passes[int.Parse(args[1], CultureInfo.InvariantCulture)]];
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"corpus: {outputs.Count} outputs, {mib:F3} MiB; best of {rounds} rounds after {rounds / 2} warm-up rounds, ms per MiB (MB/s = 1000 / ms)"));
        foreach (var (name, scan) in passes)
        {
            var best = double.MaxValue;
            var bestCpu = double.MaxValue;
            var found = 0;
            for (var r = 0; r < rounds / 2; r++)
            {
                // Warm-up: let tiered compilation reach the optimised code before timing.
                foreach (var output in outputs)
                {
                    scan(output);
                }
            }

            for (var r = 0; r < rounds; r++)
            {
                var cpu = Environment.CpuUsage.TotalTime;
                var watch = Stopwatch.StartNew();
                found = 0;
                foreach (var output in outputs)
                {
                    found += scan(output);
                }

                best = Math.Min(best, watch.Elapsed.TotalMilliseconds / mib);
                bestCpu = Math.Min(bestCpu, (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / mib);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{best,9:F2} ms/MiB wall {bestCpu,9:F2} ms/MiB cpu {1000 / best,7:F0} MB/s  {found,6} found  {name}"));
        }

        return 0;
    }

    private static int Count(Action<List<ScanFinding>> scan)
    {
        var list = new List<ScanFinding>();
        scan(list);
        return list.Count;
    }
}
