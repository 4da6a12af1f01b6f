using BenchmarkDotNet.Running;

namespace Quell.Benchmarks;

internal static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "probe-scan")
        {
            return ScanProbe.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "probe-scan-passes")
        {
            return ScanPassesProbe.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "train-injection")
        {
            return InjectionTraining.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "injection-scores")
        {
            return InjectionScores.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "generate-leak-set")
        {
            return LeakDevSet.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "probe-store")
        {
            return await StoreProbe.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "probe-decode")
        {
            return DecodeProbe.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "probe-detection")
        {
            return DetectionProbe.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "alert-latency")
        {
            return await AlertLatency.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "fanout")
        {
            return await MitigationFanoutBenchmarks.RunLoadAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "load")
        {
            return await IngestLoad.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "alert-intake")
        {
            return await AlertIntake.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "gateway-overhead")
        {
            return await GatewayOverhead.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "gateway-backends")
        {
            return await GatewayOverhead.BackendsAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "gateway-load")
        {
            return await GatewayOverhead.LoadAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "overload")
        {
            return await OverloadLoad.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "incidents")
        {
            return await IncidentLoad.RunAsync(args[1..]).ConfigureAwait(false);
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
