using BenchmarkDotNet.Attributes;
using Quell.Calls;
using Quell.Detection;

namespace Quell.Benchmarks;

/// <summary>Call updates per second through the full detector set of <see cref="DetectionEngine"/>.</summary>
[MemoryDiagnoser]
public class DetectionBenchmarks
{
    private const int Calls = 1_000_000;
    private CallRecord[] _calls = [];

    [GlobalSetup]
    public void Setup()
    {
        // Four features × two models, five tenants, three regions, 3-call traces with tool calls, 20 calls/s of
        // event time (so evaluation ticks run at their real ratio to calls), lognormal latencies.
        var rng = new Random(42);
        string[] features = ["support_chat", "search", "summarise", "agent"];
        string[] models = ["gpt-4o", "claude-sonnet"];
        string[] tenants = ["acme", "globex", "initech", "umbrella", "hooli"];
        string[] regions = ["us-east", "eu-west", "ap-south"];
        string[] prompts = ["v12", "v13"];
        var users = Enumerable.Range(0, 500).Select(i => $"user-{i}").ToArray();
        var tools = new[] { new ToolCallRecord("search_orders", "h1"), new ToolCallRecord("lookup_user", "h2") };
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        _calls = new CallRecord[Calls];
        for (var i = 0; i < Calls; i++)
        {
            var latency = 800 * Math.Exp(0.5 * Normal(rng));
            _calls[i] = new CallRecord
            {
                Id = $"c{i}",
                Timestamp = start.AddMilliseconds(i * 50),
                Tenant = tenants[rng.Next(tenants.Length)],
                User = users[rng.Next(users.Length)],
                Feature = features[rng.Next(features.Length)],
                Provider = "openai",
                Model = models[rng.Next(models.Length)],
                ModelVersion = "2024-08-06",
                Region = regions[rng.Next(regions.Length)],
                PromptVersion = prompts[rng.Next(prompts.Length)],
                TraceId = $"t{i / 3}",
                LatencyMs = latency,
                TtftMs = latency * 0.3,
                InputTokens = 1000 + rng.Next(400),
                OutputTokens = 200 + rng.Next(200),
                CostUsd = 0.005,
                Status = rng.NextDouble() < 0.002 ? CallStatus.Error : CallStatus.Ok,
                ErrorType = null,
                ToolCalls = i % 3 == 1 ? [tools[rng.Next(2)]] : [],
            };
        }
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public int ObserveCallsFullEngine()
    {
        var engine = new DetectionEngine();
        foreach (var call in _calls)
        {
            engine.Observe(call);
        }

        return engine.Drain().Count;
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
