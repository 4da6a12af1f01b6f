using System.Diagnostics;
using System.Globalization;
using Quell.Scanning;
using Quell.Simulation;

namespace Quell.Benchmarks;

/// <summary>
/// Times the ingest-path content scans over simulated calls: `probe-scan [calls]`. Prints microseconds and bytes
/// allocated per call for the input scan (prompt injection, plus PII and secrets), the injection assessment alone, and
/// the output scan (PII, secrets, canaries, leaks).
/// </summary>
internal static class ScanProbe
{
    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var calls = new AppSimulator(new SimulationOptions { Seed = 3, Duration = TimeSpan.FromDays(60), RequestsPerSecond = 2 })
            .Run().OfType<SimulatedCall>().Take(count).Select(c => c.Call).ToList();
        // The ingest path's scanner with the injection model stage on (routing band, the default when it is on).
        var scanner = new ContentScanner(new ContentScannerOptions { InjectionModel = true });

        // Warm up: train the classifier, JIT the hot paths, fill the regex caches.
        foreach (var call in calls.Take(2000))
        {
            scanner.ScanInput(call.Input ?? string.Empty, call.Tenant);
            scanner.ScanOutput(call);
        }

        var (inputUs, inputBytes, flagged) = Measure(calls, call => scanner.ScanInput(call.Input ?? string.Empty, call.Tenant).Findings.Count);
        var (injectionUs, injectionBytes, _) = Measure(calls, call => scanner.AssessInjection(call.Input ?? string.Empty).Evidence.Count);
        var (outputUs, outputBytes, findings) = Measure(calls, call => scanner.ScanOutput(call).Findings.Count);
        var inputChars = calls.Average(c => (double)(c.Input?.Length ?? 0));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"calls={calls.Count} mean_input_chars={inputChars:F0} input_findings={flagged} output_findings={findings}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"input_us_per_call={inputUs:F2} input_bytes_per_call={inputBytes:F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"injection_us_per_call={injectionUs:F2} injection_bytes_per_call={injectionBytes:F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"output_us_per_call={outputUs:F2} output_bytes_per_call={outputBytes:F0}"));

        // The model stage: how much of the ingest path reaches it, and what one input costs there.
        var cascade = scanner.Injection;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"injection_model_share={cascade.ByModel / (double)Math.Max(1, cascade.Assessed):P3} ({cascade.ByModel} of {cascade.Assessed} assessments)"));
        var (paraphraseChecked, paraphraseEmbedded) = scanner.Paraphrases.Counts;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"paraphrase_model_share={paraphraseEmbedded / (double)Math.Max(1, paraphraseChecked):P3} ({paraphraseEmbedded} of {paraphraseChecked} outputs with a long prompt)"));
        var training = new Scanning.Injection.InjectionCascade(band: Scanning.Injection.InjectionModelBand.Training);
        var lexicalOnly = new Scanning.Injection.InjectionDetector();
        var trainingBand = calls.Count(c => training.IsUndecided(lexicalOnly.Assess(c.Input ?? string.Empty).Score));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"injection_model_share_training_band={trainingBand / (double)Math.Max(1, calls.Count):P3} ({trainingBand} of {calls.Count} inputs; the band `quell scan` uses)"));
        var root = InjectionTraining.FindRepositoryRoot();
        var band = InjectionTraining.ReadJsonl(Path.Combine(root, "dev-data", "injection-dev", "test.jsonl.gz"))
            .Select(r => r.Text).Where(t => cascade.IsUndecided(new Scanning.Injection.InjectionDetector().Assess(t).Score)).Take(200).ToList();
        var embedder = Scanning.Embeddings.MiniLmEmbedder.Shared;
        foreach (var (label, texts) in new[] { ("simulated inputs", calls.Select(c => c.Input ?? string.Empty).Where(t => t.Length > 0).Take(200).ToList()), ("injection-dev test inputs in the model band", band) })
        {
            var watch = Stopwatch.StartNew();
            foreach (var text in texts)
            {
                _ = Scanning.Injection.InjectionCascade.Features(embedder, text, 0.5);
            }

            watch.Stop();
            var perInput = watch.Elapsed.TotalMilliseconds / Math.Max(1, texts.Count);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embedding_ms_per_input={perInput:F2} inputs_per_s_per_core={1000 / perInput:F0} ({label}, n={texts.Count}, mean {texts.Average(t => (double)t.Length):F0} chars)"));
        }

        return 0;
    }

    private static (double MicrosPerCall, double BytesPerCall, long Sum) Measure(List<Calls.CallRecord> calls, Func<Calls.CallRecord, int> scan)
    {
        // Best of three rounds: the first absorbs tiered JIT compilation, and the machine may be shared.
        var best = double.MaxValue;
        long sum = 0, allocated = 0;
        for (var round = 0; round < 3; round++)
        {
            sum = 0;
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            foreach (var call in calls)
            {
                sum += scan(call);
            }

            watch.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            best = Math.Min(best, watch.Elapsed.TotalMicroseconds);
        }

        return (best / calls.Count, (double)allocated / calls.Count, sum);
    }
}
