using Quell.Calls;

namespace Quell.Tests.Detection;

/// <summary>Shape of a simulated AI application's traffic.</summary>
internal sealed record TrafficShape
{
    public double CallsPerSecond { get; init; } = 5;

    /// <summary>Relative amplitude of the daily traffic cycle (0 = flat; 0.7 = night at 30 % of the mean).</summary>
    public double DailyCycle { get; init; } = 0.7;

    /// <summary>Median latency in ms and lognormal sigma; latency rises a little with load, as real backends do.</summary>
    public double MedianLatencyMs { get; init; } = 800;
    public double LatencySigma { get; init; } = 0.5;
    public double LoadLatencyEffect { get; init; } = 0.15;

    /// <summary>Probability of a benign isolated error per call.</summary>
    public double ErrorRate { get; init; } = 0.002;
    public double MeanInputTokens { get; init; } = 1200;
    public double MeanOutputTokens { get; init; } = 300;
    public string Feature { get; init; } = "support_chat";
    public string Model { get; init; } = "gpt-4o";
    public string Provider { get; init; } = "openai";
    public string[] Regions { get; init; } = ["us-east", "eu-west", "ap-south"];
    public string[] Tenants { get; init; } = ["acme", "globex", "initech", "umbrella", "hooli"];
    public string[] PromptVersions { get; init; } = ["v12"];
    public int CallsPerTrace { get; init; } = 3;

    /// <summary>Changes applied to each generated call (the injected incident).</summary>
    public Func<CallRecord, CallRecord>? Inject { get; init; }
}

/// <summary>Deterministic generator of calls: Poisson arrivals with a daily cycle, lognormal latencies.</summary>
internal static class SyntheticTraffic
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    public static IEnumerable<CallRecord> Generate(TrafficShape shape, DateTimeOffset from, TimeSpan duration, int seed)
    {
        var rng = new Random(seed);
        var end = from + duration;
        var t = from;
        long n = 0;
        var users = Enumerable.Range(0, 200).Select(i => $"user-{i}").ToArray();
        string? trace = null;
        var traceLeft = 0;
        while (true)
        {
            var load = Load(shape, t);
            t += TimeSpan.FromSeconds(-Math.Log(1 - rng.NextDouble()) / (shape.CallsPerSecond * load));
            if (t >= end)
            {
                yield break;
            }

            if (traceLeft == 0)
            {
                trace = $"tr-{seed}-{n}";
                traceLeft = 1 + rng.Next(2 * shape.CallsPerTrace - 1);
            }

            traceLeft--;
            var latency = shape.MedianLatencyMs * (1 + (shape.LoadLatencyEffect * (load - 1))) * Math.Exp(shape.LatencySigma * Normal(rng));
            var isError = rng.NextDouble() < shape.ErrorRate;
            var input = (long)(shape.MeanInputTokens * Math.Exp((0.4 * Normal(rng)) - 0.08));
            var output = (long)(shape.MeanOutputTokens * Math.Exp((0.5 * Normal(rng)) - 0.125));
            var call = new CallRecord
            {
                Id = $"c-{seed}-{n++}",
                Timestamp = t,
                Tenant = shape.Tenants[rng.Next(shape.Tenants.Length)],
                User = users[rng.Next(users.Length)],
                Feature = shape.Feature,
                Provider = shape.Provider,
                Model = shape.Model,
                ModelVersion = "2024-08-06",
                Region = shape.Regions[rng.Next(shape.Regions.Length)],
                PromptVersion = shape.PromptVersions[rng.Next(shape.PromptVersions.Length)],
                TraceId = trace,
                LatencyMs = latency,
                TtftMs = latency * 0.3,
                InputTokens = input,
                OutputTokens = output,
                CostUsd = (input * 2.5e-6) + (output * 10e-6),
                CostSource = CostSource.PriceTable,
                Status = isError ? CallStatus.Error : CallStatus.Ok,
                ErrorType = isError ? ErrorTypes.ServerError : null,
            };
            yield return shape.Inject is null ? call : shape.Inject(call);
        }
    }

    /// <summary>Traffic multiplier at <paramref name="t"/>: peak mid-afternoon UTC, trough at night.</summary>
    public static double Load(TrafficShape shape, DateTimeOffset t)
    {
        var hour = t.UtcDateTime.TimeOfDay.TotalHours;
        return 1 + (shape.DailyCycle * Math.Sin((hour - 9) / 24 * 2 * Math.PI));
    }

    public static double Normal(Random rng)
    {
        var u1 = 1 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
