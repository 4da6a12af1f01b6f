using Quell.Alerts;
using Quell.Calls;
using Quell.Detection.Sketches;

namespace Quell.Detection.Detectors;

/// <summary>
/// Spots runaway agents: counts calls per trace (or session) and identical tool calls (same name and arguments
/// hash) within it, and fires when a trace passes the loop cap, repeats a tool call too often, or grows far past
/// the feature's usual trace length. Trace state is dropped after a period of inactivity, which also resolves
/// the trace's alerts, and the number of live traces is capped.
/// </summary>
public sealed class TraceLoopDetector
{
    private readonly DetectionRules _rules;
    private readonly Dictionary<string, TraceState> _traces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TraceLengthProfile> _profiles = new(StringComparer.Ordinal);
    private readonly List<string> _expired = [];

    public TraceLoopDetector(DetectionRules rules) => _rules = rules;

    public int ActiveTraces => _traces.Count;

    /// <summary>Counts a call into its trace; appends any alert it opens to <paramref name="findings"/>.</summary>
    public void Observe(CallRecord call, List<LoopFinding> findings)
    {
        var traceId = call.TraceId ?? call.SessionId;
        if (traceId is null)
        {
            return;
        }

        if (!_traces.TryGetValue(traceId, out var trace))
        {
            trace = new TraceState(call.Feature, call.Tenant, call.Timestamp);
            _traces[traceId] = trace;
        }

        trace.Calls++;
        trace.LastSeen = call.Timestamp > trace.LastSeen ? call.Timestamp : trace.LastSeen;
        if (trace.ExampleIds.Count < 5)
        {
            trace.ExampleIds.Add(call.Id);
        }

        var featureRules = _rules.For(trace.Feature);
        CheckLength(traceId, trace, featureRules, findings);
        foreach (var tool in call.ToolCalls)
        {
            CheckRepeat(traceId, trace, tool, featureRules, findings);
        }
    }

    /// <summary>Drops traces idle since before <paramref name="now"/> minus the idle time; resolves their alerts.</summary>
    public void Sweep(DateTimeOffset now, List<LoopFinding> findings)
    {
        var idle = TimeSpan.FromMinutes(_rules.Loops.TraceIdleMinutes);
        if (_traces.Count > _rules.Loops.MaxActiveTraces)
        {
            // Over the cap: evict more eagerly rather than grow.
            idle /= 4;
        }

        foreach (var (id, trace) in _traces)
        {
            if (now - trace.LastSeen >= idle)
            {
                _expired.Add(id);
            }
        }

        foreach (var id in _expired)
        {
            var trace = _traces[id];
            _traces.Remove(id);
            ProfileOf(trace.Feature).Add(trace.Calls);
            foreach (var signal in trace.Fired)
            {
                findings.Add(new LoopFinding(DetectorVerdict.Resolve, signal, id, trace.Feature, trace.Tenant, trace.Calls, 0, trace.FirstSeen, [], null));
            }
        }

        _expired.Clear();
    }

    private void CheckLength(string traceId, TraceState trace, FeatureRules featureRules, List<LoopFinding> findings)
    {
        if (trace.Fired.Contains(AlertSignals.CallsPerTrace))
        {
            return;
        }

        var cap = featureRules.MaxCallsPerTrace ?? _rules.Loops.MaxCallsPerTrace;
        double limit = cap;
        var usual = double.NaN;
        var profile = _profiles.GetValueOrDefault(trace.Feature ?? "");
        if (profile is not null && profile.Completed >= _rules.Loops.MinCompletedTraces)
        {
            usual = profile.P95;
            limit = Math.Min(cap, Math.Max(_rules.Loops.MinLoopCalls, _rules.Loops.TraceLengthFactor * usual));
        }

        if (trace.Calls > limit)
        {
            trace.Fired.Add(AlertSignals.CallsPerTrace);
            findings.Add(new LoopFinding(DetectorVerdict.Fire, AlertSignals.CallsPerTrace, traceId, trace.Feature, trace.Tenant,
                trace.Calls, double.IsNaN(usual) ? cap : usual, trace.FirstSeen, [.. trace.ExampleIds], null));
        }
    }

    private void CheckRepeat(string traceId, TraceState trace, ToolCallRecord tool, FeatureRules featureRules, List<LoopFinding> findings)
    {
        trace.ToolCounts ??= [];
        var key = (tool.Name, tool.ArgumentsHash);
        var count = trace.ToolCounts.GetValueOrDefault(key) + 1;
        trace.ToolCounts[key] = count;
        var max = featureRules.MaxIdenticalToolCalls ?? _rules.Loops.MaxIdenticalToolCalls;
        if (count > max && !trace.Fired.Contains(AlertSignals.RepeatedToolCalls))
        {
            trace.Fired.Add(AlertSignals.RepeatedToolCalls);
            findings.Add(new LoopFinding(DetectorVerdict.Fire, AlertSignals.RepeatedToolCalls, traceId, trace.Feature, trace.Tenant,
                count, max, trace.FirstSeen, [.. trace.ExampleIds], tool.Name));
        }
    }

    private TraceLengthProfile ProfileOf(string? feature)
    {
        var key = feature ?? "";
        if (!_profiles.TryGetValue(key, out var profile))
        {
            profile = new TraceLengthProfile();
            _profiles[key] = profile;
        }

        return profile;
    }

    private sealed class TraceState(string? feature, string? tenant, DateTimeOffset firstSeen)
    {
        public string? Feature { get; } = feature;
        public string? Tenant { get; } = tenant;
        public DateTimeOffset FirstSeen { get; } = firstSeen;
        public DateTimeOffset LastSeen { get; set; } = firstSeen;
        public int Calls { get; set; }
        public List<string> ExampleIds { get; } = new(2);
        public Dictionary<(string Name, string? Hash), int>? ToolCounts { get; set; }
        public List<string> Fired { get; } = new(0);
    }

    // Usual trace length of a feature: sketch of completed traces' call counts.
    private sealed class TraceLengthProfile
    {
        private readonly DDSketch _lengths = new(0.02);

        public long Completed => _lengths.Count;
        public double P95 { get; private set; } = double.NaN;

        public void Add(int calls)
        {
            _lengths.Add(calls);
            if (Completed % 16 == 1 || Completed < 64)
            {
                P95 = _lengths.Quantile(0.95);
            }
        }
    }
}
