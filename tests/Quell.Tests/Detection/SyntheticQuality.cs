using Quell.Detection;

namespace Quell.Tests.Detection;

/// <summary>Deterministic eval runs and user feedback for quality-detector tests.</summary>
internal static class SyntheticQuality
{
    /// <summary>An eval run of <paramref name="casesPerRun"/> cases every hour; pass probability from <paramref name="passRate"/>.</summary>
    public static IEnumerable<EvalResult> HourlyEvals(DateTimeOffset from, TimeSpan duration, int casesPerRun, Func<DateTimeOffset, string, double> passRate, int seed, string[]? promptVersions = null)
    {
        var rng = new Random(seed);
        var versions = promptVersions ?? ["v12"];
        for (var run = from; run < from + duration; run += TimeSpan.FromHours(1))
        {
            for (var i = 0; i < casesPerRun; i++)
            {
                var at = run + TimeSpan.FromSeconds(i * 5);
                var version = versions[i % versions.Length];
                yield return new EvalResult
                {
                    Suite = "support_regression",
                    CaseId = $"case-{i}",
                    Passed = rng.NextDouble() < passRate(at, version),
                    Model = "gpt-4o",
                    ModelVersion = "2024-08-06",
                    PromptVersion = version,
                    Feature = "support_chat",
                    Timestamp = at,
                };
            }
        }
    }

    /// <summary>Thumbs up/down feedback arriving at <paramref name="perDay"/> a day.</summary>
    public static IEnumerable<FeedbackRecord> Feedback(DateTimeOffset from, TimeSpan duration, double perDay, Func<DateTimeOffset, double> negativeRate, int seed)
    {
        var rng = new Random(seed);
        var t = from;
        var n = 0;
        while (true)
        {
            t += TimeSpan.FromSeconds(-Math.Log(1 - rng.NextDouble()) * 86400 / perDay);
            if (t >= from + duration)
            {
                yield break;
            }

            yield return new FeedbackRecord
            {
                CallId = $"fb-call-{seed}-{n++}",
                Timestamp = t,
                ThumbsUp = rng.NextDouble() >= negativeRate(t),
                Feature = "support_chat",
                Model = "gpt-4o",
                PromptVersion = "v12",
            };
        }
    }
}
