using Quell.Alerts;
using Quell.Calls;
using Quell.Detection.Sketches;

namespace Quell.Detection.Detectors;

/// <summary>
/// Spots runaway agents: counts calls per trace (<c>trace_id</c>: one request or agent run with its tool and
/// agent operations) and identical tool calls (same name and arguments hash) within it, and fires when a trace passes the loop cap, repeats a tool call too often, or grows far past
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
        // Never the session: a chat session spans a user's whole conversation (often a day), so its call count says
        // nothing about a loop; only a trace is one run of an agent.
        var traceId = call.TraceId;
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
        if (trace.Calls <= TraceState.MaxExamples)
        {
            trace.Examples[trace.Calls - 1] = call.Id;
        }

        var featureRules = _rules.For(trace.Feature);
        CheckLength(traceId, trace, featureRules, findings);
        var tools = call.ToolCalls;
        for (var i = 0; i < tools.Count; i++)
        {
            CheckRepeat(traceId, trace, tools[i], featureRules, findings);
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
            foreach (var signal in FiredSignals(trace.Fired))
            {
                findings.Add(new LoopFinding(DetectorVerdict.Resolve, signal, id, trace.Feature, trace.Tenant, trace.Calls, 0, trace.FirstSeen, [], null));
            }
        }

        _expired.Clear();
    }

    private void CheckLength(string traceId, TraceState trace, FeatureRules featureRules, List<LoopFinding> findings)
    {
        if ((trace.Fired & LoopSignals.Length) != 0)
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
            trace.Fired |= LoopSignals.Length;
            findings.Add(new LoopFinding(DetectorVerdict.Fire, AlertSignals.CallsPerTrace, traceId, trace.Feature, trace.Tenant,
                trace.Calls, double.IsNaN(usual) ? cap : usual, trace.FirstSeen, trace.ExampleIds(), null));
        }
    }

    private void CheckRepeat(string traceId, TraceState trace, ToolCallRecord tool, FeatureRules featureRules, List<LoopFinding> findings)
    {
        var count = trace.CountTool(tool);
        var max = featureRules.MaxIdenticalToolCalls ?? _rules.Loops.MaxIdenticalToolCalls;
        if (count > max && (trace.Fired & LoopSignals.Repeat) == 0)
        {
            trace.Fired |= LoopSignals.Repeat;
            findings.Add(new LoopFinding(DetectorVerdict.Fire, AlertSignals.RepeatedToolCalls, traceId, trace.Feature, trace.Tenant,
                count, max, trace.FirstSeen, trace.ExampleIds(), tool.Name));
        }
    }

    private static IEnumerable<string> FiredSignals(LoopSignals fired)
    {
        if ((fired & LoopSignals.Length) != 0)
        {
            yield return AlertSignals.CallsPerTrace;
        }

        if ((fired & LoopSignals.Repeat) != 0)
        {
            yield return AlertSignals.RepeatedToolCalls;
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

    [Flags]
    private enum LoopSignals : byte
    {
        None = 0,
        Length = 1,
        Repeat = 2,
    }

    // Kept small: one object per live trace, a tool tally only for traces that call tools.
    private sealed class TraceState(string? feature, string? tenant, DateTimeOffset firstSeen)
    {
        public const int MaxExamples = 5;
        private const int MaxDistinctTools = 64;

        private (string Name, string? Hash, int Count)[]? _tools;
        private int _toolCount;

        public string? Feature { get; } = feature;
        public string? Tenant { get; } = tenant;
        public DateTimeOffset FirstSeen { get; } = firstSeen;
        public DateTimeOffset LastSeen { get; set; } = firstSeen;
        public int Calls { get; set; }
        public ExampleIdBuffer Examples;
        public LoopSignals Fired { get; set; }

        public string[] ExampleIds()
        {
            var n = Math.Min(Calls, MaxExamples);
            var ids = new string[n];
            for (var i = 0; i < n; i++)
            {
                ids[i] = Examples[i];
            }

            return ids;
        }

        /// <summary>Counts one tool call and returns how often this exact call was made in the trace.</summary>
        public int CountTool(ToolCallRecord tool)
        {
            _tools ??= new (string, string?, int)[4];
            for (var i = 0; i < _toolCount; i++)
            {
                ref var entry = ref _tools[i];
                if (string.Equals(entry.Name, tool.Name, StringComparison.Ordinal) && string.Equals(entry.Hash, tool.ArgumentsHash, StringComparison.Ordinal))
                {
                    return ++entry.Count;
                }
            }

            if (_toolCount == MaxDistinctTools)
            {
                // A trace with this many distinct calls is not repeating itself; stop tallying to bound memory.
                return 1;
            }

            if (_toolCount == _tools.Length)
            {
                Array.Resize(ref _tools, _tools.Length * 2);
            }

            _tools[_toolCount++] = (tool.Name, tool.ArgumentsHash, 1);
            return 1;
        }
    }

    [System.Runtime.CompilerServices.InlineArray(TraceState.MaxExamples)]
    private struct ExampleIdBuffer
    {
        private string _element;
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
