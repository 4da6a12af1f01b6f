using Quell.Calls;
using Quell.Changes;
using Quell.Detection;
using Quell.Investigation;
using Quell.Simulation;

namespace Quell.Tests.Playbook;

/// <summary>A generated incident: calls or eval results around an onset, the true cause and decoy changes.</summary>
public sealed record SyntheticIncident(InvestigationSubject Subject, IReadOnlyList<CallRecord> Calls, IReadOnlyList<EvalResult> Evals, IReadOnlyList<ChangeEvent> Changes, string CauseId)
{
    public IReadOnlyList<DimensionSlice> Slices => AnomalyMetrics.For(Subject.Category, Subject.Signal) == AnomalyMetric.EvalFailures
        ? DimensionSlices.FromEvals(Evals, Subject.Onset)
        : DimensionSlices.FromCalls(Calls, Subject.Onset, AnomalyMetrics.For(Subject.Category, Subject.Signal));
}

/// <summary>
/// Randomised incidents for a seed: one feature, a version change that degrades a share of its traffic shortly
/// before the onset, and decoys (a near change on another feature, an old change on this one, a global config
/// change, a change after the onset, a harmless change rolled out at the same time).
/// </summary>
public static class SyntheticIncidents
{
    private static readonly DateTimeOffset Onset = new(2026, 11, 3, 14, 2, 0, TimeSpan.Zero);
    private static readonly (string Category, string Signal)[] Kinds =
    [
        ("cost", "cost_per_call"),
        ("latency", "latency_p95"),
        ("latency", "error_rate"),
        ("quality", "eval_pass_rate"),
    ];

    public static SyntheticIncident Create(int seed)
    {
        var rng = new Random(seed);
        var (category, signal) = Kinds[seed % Kinds.Length];
        var quality = category == "quality";
        string[] dims = quality ? ["prompt_version", "model_version", "model"] : ["prompt_version", "model_version", "model", "provider"];
        var causeDim = dims[rng.Next(dims.Length)];
        var harmlessDim = dims.First(d => d != causeDim);
        var feature = "feature_" + rng.Next(4);
        var causeAt = Onset.AddMinutes(-rng.Next(1, 20));
        var rollout = 0.5 + (rng.NextDouble() * 0.5);
        var harmlessShare = 0.2 + (rng.NextDouble() * 0.3);
        var badFactor = 1.6 + rng.NextDouble();
        var calls = new List<CallRecord>();
        var evals = new List<EvalResult>();
        var start = Onset.AddHours(-6);
        var end = Onset.AddHours(2);
        var n = quality ? 3000 : 6000;
        for (var i = 0; i < n; i++)
        {
            var t = start + TimeSpan.FromSeconds(rng.NextDouble() * (end - start).TotalSeconds);
            var values = dims.ToDictionary(d => d, d => $"{d}-old");
            values["region"] = "region-" + rng.Next(3);
            values["tenant"] = "tenant-" + rng.Next(12);
            var bad = t >= Onset && rng.NextDouble() < rollout;
            if (bad)
            {
                values[causeDim] = $"{causeDim}-new";
            }

            if (t >= Onset.AddMinutes(-5) && rng.NextDouble() < harmlessShare)
            {
                values[harmlessDim] = $"{harmlessDim}-harmless";
            }

            if (quality)
            {
                var failP = 0.08 + (bad ? 0.25 + (rng.NextDouble() * 0.2) : 0);
                evals.Add(new EvalResult { Suite = "s", CaseId = $"c{i}", Passed = rng.NextDouble() >= failP, Feature = feature, PromptVersion = values["prompt_version"], ModelVersion = values["model_version"], Model = values["model"], Timestamp = t });
                continue;
            }

            var cost = 0.01 * (0.7 + (rng.NextDouble() * 0.6)) * (bad && signal == "cost_per_call" ? badFactor : 1);
            var latency = 800 * (0.7 + (rng.NextDouble() * 0.6)) * (bad && signal == "latency_p95" ? badFactor : 1);
            var errorP = 0.02 + (bad && signal == "error_rate" ? 0.15 : 0);
            calls.Add(new CallRecord
            {
                Id = $"call-{seed}-{i}",
                Timestamp = t,
                Feature = feature,
                Tenant = values["tenant"],
                Region = values["region"],
                PromptVersion = values["prompt_version"],
                ModelVersion = values["model_version"],
                Model = values["model"],
                Provider = values["provider"],
                CostUsd = cost,
                LatencyMs = latency,
                Status = rng.NextDouble() < errorP ? CallStatus.Error : CallStatus.Ok,
            });
        }

        static Dictionary<string, string> Scope(string feature) => new() { ["feature"] = feature };
        var kindOf = (string dim) => dim == "provider" ? "provider" : dim;
        var changes = new List<ChangeEvent>
        {
            new() { Id = "cause", Timestamp = causeAt, Kind = kindOf(causeDim), Scope = Scope(feature), From = $"{causeDim}-old", To = $"{causeDim}-new", Author = "ci" },
            new() { Id = "decoy-other-feature", Timestamp = Onset.AddMinutes(-rng.Next(0, 10)), Kind = kindOf(causeDim), Scope = Scope("feature_other"), To = $"{causeDim}-elsewhere", Author = "ci" },
            new() { Id = "decoy-old", Timestamp = Onset.AddHours(-3 - (rng.NextDouble() * 5)), Kind = "deploy", Scope = Scope(feature), Author = "ci" },
            new() { Id = "decoy-global-config", Timestamp = Onset.AddMinutes(-rng.Next(0, 30)), Kind = "config", Author = "ops" },
            new() { Id = "decoy-after", Timestamp = Onset.AddMinutes(40 + rng.Next(0, 60)), Kind = kindOf(causeDim), Scope = Scope(feature), To = $"{causeDim}-new", Author = "ci" },
            new() { Id = "decoy-harmless", Timestamp = Onset.AddMinutes(-5), Kind = kindOf(harmlessDim), Scope = Scope(feature), To = $"{harmlessDim}-harmless", Author = "ci" },
        };
        var subject = new InvestigationSubject(category, signal, feature, Onset);
        return new SyntheticIncident(subject, calls, evals, changes.OrderBy(_ => rng.Next()).ToList(), "cause");
    }

    /// <summary>Change events the simulated team recorded, as the change log stores them.</summary>
    public static ChangeEvent ToChange(SimulatedChange c) => new()
    {
        Id = c.Attributes.TryGetValue("id", out var id) ? id : $"chg-{c.Timestamp.ToUnixTimeMilliseconds()}",
        Timestamp = c.Timestamp,
        Kind = c.Kind,
        Scope = new Dictionary<string, string> { ["feature"] = c.Scope },
        Description = c.Description,
        Author = c.Author,
        From = c.Attributes.GetValueOrDefault("from"),
        To = c.Attributes.GetValueOrDefault("to"),
    };

    public static EvalResult ToEval(SimulatedEvalResult e) => new()
    {
        Suite = e.Suite,
        CaseId = e.CaseId,
        Passed = e.Passed,
        Score = e.Score,
        Feature = e.Feature,
        Model = e.Model,
        ModelVersion = e.ModelVersion,
        PromptVersion = e.PromptVersion,
        Timestamp = e.At,
    };
}
