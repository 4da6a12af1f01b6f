using BenchmarkDotNet.Attributes;
using Quell.Calls;
using Quell.Simulation;
using Quell.Storage.Sqlite;

namespace Quell.Benchmarks;

/// <summary>Durable append of 10,000 realistic calls in one transaction (WAL, synchronous=FULL).</summary>
[MemoryDiagnoser]
public class StoreAppendBenchmarks
{
    private List<CallRecord> _calls = [];
    private SqliteCallLog _log = null!;
    private string _dir = string.Empty;
    private int _round;

    [Params(true, false)]
    public bool WithContent { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _calls = new AppSimulator(new SimulationOptions { Seed = 9, Duration = TimeSpan.FromDays(1) })
            .Run().OfType<SimulatedCall>().Take(10_000).Select(c => WithContent ? c.Call : c.Call with { Input = null, Output = null, SystemPrompt = null }).ToList();
        _dir = Path.Combine(Path.GetTempPath(), "quell-bench-" + Guid.NewGuid().ToString("N"));
        _log = new SqliteCallLog(new SqliteDatabase(Path.Combine(_dir, "quell.db")), TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Description = "append 10,000 calls, one durable transaction")]
    public async Task<int> Append()
    {
        var round = ++_round;
        var batch = _calls.Select(c => c with { Id = $"{c.Id}-{round}" }).ToList();
        return (await _log.AppendAsync(batch).ConfigureAwait(false)).Inserted;
    }
}
