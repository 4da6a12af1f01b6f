using Quell.Alerts;
using Quell.Calls;

namespace Quell.Detection.Backtest;

/// <summary>Replays history through a <see cref="DetectionEngine"/> in virtual time and returns its alert events.</summary>
public static class CallBacktester
{
    /// <summary>
    /// Merges calls, eval results and feedback by timestamp (stable: calls first on ties), feeds them to a new
    /// engine, then advances <paramref name="settle"/> (default one hour) past the last record so pending
    /// windows close and recoveries resolve.
    /// </summary>
    public static IReadOnlyList<AlertEvent> Run(
        IEnumerable<CallRecord> calls,
        IEnumerable<EvalResult>? evals = null,
        IEnumerable<FeedbackRecord>? feedback = null,
        DetectionRules? rules = null,
        TimeSpan? settle = null)
    {
        var engine = new DetectionEngine(rules, TimeProvider.System);
        var events = new List<AlertEvent>();
        var records = new List<(DateTimeOffset At, int Kind, object Record)>();
        records.AddRange(calls.Select(c => (c.Timestamp, 0, (object)c)));
        records.AddRange((evals ?? []).Select(e => (e.Timestamp, 1, (object)e)));
        records.AddRange((feedback ?? []).Select(f => (f.Timestamp, 2, (object)f)));
        var ordered = records.Select((r, i) => (r, i)).OrderBy(x => x.r.At).ThenBy(x => x.r.Kind).ThenBy(x => x.i);
        var last = DateTimeOffset.MinValue;
        foreach (var ((at, _, record), _) in ordered)
        {
            switch (record)
            {
                case CallRecord c: engine.Observe(c); break;
                case EvalResult e: engine.Observe(e); break;
                case FeedbackRecord f: engine.Observe(f); break;
            }

            last = at;
            events.AddRange(engine.Drain());
        }

        if (last != DateTimeOffset.MinValue)
        {
            engine.AdvanceTo(last + (settle ?? TimeSpan.FromHours(1)));
            events.AddRange(engine.Drain());
        }

        return events;
    }
}
