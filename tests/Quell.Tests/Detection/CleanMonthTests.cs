using Quell.Alerts;
using Quell.Calls;
using Quell.Detection;
using Xunit.Abstractions;

namespace Quell.Tests.Detection;

public sealed class CleanMonthTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(101)]
    [InlineData(202)]
    [InlineData(303)]
    public void Engine_CleanMonthWithDailyCycle_RaisesNoAlerts(int seed)
    {
        var start = SyntheticTraffic.Start;
        var month = TimeSpan.FromDays(30);
        var chat = new TrafficShape { CallsPerSecond = 2, ErrorRate = 0.003 };
        var embeddings = new TrafficShape
        {
            CallsPerSecond = 1,
            Feature = "search",
            Model = "text-embedding-3-small",
            MedianLatencyMs = 60,
            LatencySigma = 0.6,
            MeanOutputTokens = 0,
            ErrorRate = 0.001,
            Inject = c => c with { Operation = "embeddings", TtftMs = null, TraceId = null },
        };
        var calls = Merge(
            SyntheticTraffic.Generate(chat, start, month, seed),
            SyntheticTraffic.Generate(embeddings, start, month, seed + 1));
        var evals = SyntheticQuality.HourlyEvals(start, month, 10, (_, _) => 0.9, seed + 2);
        var feedback = SyntheticQuality.Feedback(start, month, 300, _ => 0.05, seed + 3);

        var engine = new DetectionEngine();
        var events = new List<AlertEvent>();
        using var evalCursor = evals.GetEnumerator();
        using var feedbackCursor = feedback.GetEnumerator();
        var (hasEval, hasFeedback) = (evalCursor.MoveNext(), feedbackCursor.MoveNext());
        long count = 0;
        foreach (var call in calls)
        {
            while (hasEval && evalCursor.Current.Timestamp <= call.Timestamp)
            {
                engine.Observe(evalCursor.Current);
                hasEval = evalCursor.MoveNext();
            }

            while (hasFeedback && feedbackCursor.Current.Timestamp <= call.Timestamp)
            {
                engine.Observe(feedbackCursor.Current);
                hasFeedback = feedbackCursor.MoveNext();
            }

            engine.Observe(call);
            count++;
            if (engine.ActiveAlerts.Count > 0)
            {
                events.AddRange(engine.Drain());
            }
        }

        events.AddRange(engine.Drain());
        foreach (var e in events.Fired())
        {
            output.WriteLine($"{e.At:u} {e.Alert.Signal} {e.Alert.Summary}");
        }

        output.WriteLine($"{count} calls, {engine.SeriesCount} series");
        Assert.True(count > 5_000_000);
        Assert.Empty(events.Fired());
    }

    private static IEnumerable<CallRecord> Merge(IEnumerable<CallRecord> a, IEnumerable<CallRecord> b)
    {
        using var x = a.GetEnumerator();
        using var y = b.GetEnumerator();
        var (hasX, hasY) = (x.MoveNext(), y.MoveNext());
        while (hasX || hasY)
        {
            if (hasX && (!hasY || x.Current.Timestamp <= y.Current.Timestamp))
            {
                yield return x.Current;
                hasX = x.MoveNext();
            }
            else
            {
                yield return y.Current;
                hasY = y.MoveNext();
            }
        }
    }
}
