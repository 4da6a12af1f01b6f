using Quell.Alerts;
using Quell.Simulation;

namespace Quell.Demo;

/// <summary>Matches the alerts Quell raised against the scenarios the demo injected: detections, delays, attribution, false alarms.</summary>
public static class ScenarioEvaluator
{
    /// <summary>Alerts this long after a scenario ends are still its aftermath (recovery, backlog), not false alarms.</summary>
    public static readonly TimeSpan Aftermath = TimeSpan.FromHours(2);

    public static (IReadOnlyList<ScenarioOutcome> Outcomes, IReadOnlyList<FalseAlarm> FalseAlarms) Evaluate(IReadOnlyList<IScenario> scenarios, IReadOnlyList<Alert> alerts, DateTimeOffset runEnd)
    {
        var fired = alerts.OrderBy(a => a.FiredAt).ToList();
        var outcomes = new List<ScenarioOutcome>();
        foreach (var s in scenarios)
        {
            var matching = fired.Where(a => Matches(s, a) && a.FiredAt >= s.Onset.AddMinutes(-5) && a.FiredAt <= s.Onset + s.DetectionBudget).ToList();
            var first = matching.FirstOrDefault(a => AttributionNames(s, a)) ?? matching.FirstOrDefault();
            var expected = s.ExpectedAttribution is { } e ? $"{e.Dimension} {e.Value}" : null;
            outcomes.Add(new ScenarioOutcome
            {
                Name = s.Name,
                Category = s.Category,
                Onset = s.Onset,
                End = s.End,
                Feature = s.Feature,
                Description = s.Description,
                Detected = first is not null,
                DetectedAt = first?.FiredAt,
                DelaySeconds = first is null ? null : Math.Round((first.FiredAt - s.Onset).TotalSeconds),
                DetectedCategory = first?.Category.ToString().ToLowerInvariant(),
                Signal = first?.Signal,
                AlertId = first?.Id,
                AlertFingerprint = first?.Fingerprint,
                AlertSignals = matching.Select(a => a.Signal).Distinct().ToList(),
                Attribution = first?.Attribution.Sentence,
                ExpectedAttribution = expected,
                AttributionCorrect = first is null || s.ExpectedAttribution is null ? null : AttributionNames(s, first),
            });
        }

        var falseAlarms = fired
            .Where(a => !scenarios.Any(s => Explains(s, a, runEnd)))
            .Select(a => new FalseAlarm(a.Category.ToString().ToLowerInvariant(), a.Signal, a.FiredAt, a.Labels))
            .ToList();
        return (outcomes, falseAlarms);
    }

    private static bool Matches(IScenario s, Alert a) =>
        string.Equals(a.Category.ToString(), s.Category, StringComparison.OrdinalIgnoreCase) && TouchesFeature(s, a);

    private static bool TouchesFeature(IScenario s, Alert a) =>
        !a.Labels.TryGetValue("feature", out var feature) || feature == s.Feature || feature == "(none)";

    private static bool Explains(IScenario s, Alert a, DateTimeOffset runEnd)
    {
        var end = (s.End ?? runEnd) + Aftermath;
        var start = s.Onset.AddMinutes(-5);
        return a.FiredAt >= start && a.FiredAt <= Max(end, s.Onset + s.DetectionBudget) && (Matches(s, a) || (a.Labels.TryGetValue("feature", out var f) && f == s.Feature));
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>True when the alert's attribution names the dimension value the scenario changed.</summary>
    public static bool AttributionNames(IScenario s, Alert a)
    {
        if (s.ExpectedAttribution is not { } expected)
        {
            return true;
        }

        if (a.Attribution.Factors.Any(f => f.Dimension == expected.Dimension && f.Value == expected.Value))
        {
            return true;
        }

        if (a.Labels.TryGetValue(expected.Dimension, out var label) && label == expected.Value)
        {
            return true;
        }

        return a.Attribution.Sentence.Contains(expected.Value, StringComparison.Ordinal);
    }
}
