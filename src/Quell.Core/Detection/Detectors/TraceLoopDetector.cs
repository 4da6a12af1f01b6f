using System.Runtime.InteropServices;
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
    private const int NoSlot = -1;

    private readonly DetectionRules _rules;

    // Trace state lives in a slab of structs indexed through the trace id, so a call allocates nothing and the idle
    // sweep reads one contiguous array. Freed slots are reused last-freed-first, which keeps the slab in the order a
    // dictionary of the traces would enumerate them (and so the order in which expired traces resolve).
    private readonly Dictionary<string, int> _slotOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TraceLengthProfile> _profiles = new(StringComparer.Ordinal);
    private readonly List<int> _expired = [];
    private readonly Stack<int> _free = new();
    private TraceState[] _traces = new TraceState[64];
    private long[] _lastSeenTicks = new long[64];
    private int _used;

    public TraceLoopDetector(DetectionRules rules) => _rules = rules;

    public int ActiveTraces => _slotOf.Count;

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

        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slotOf, traceId, out var exists);
        if (!exists)
        {
            slot = Open(traceId, call);
        }

        var index = slot;
        ref var trace = ref _traces[index];
        trace.Calls++;
        var at = call.Timestamp.UtcTicks;
        if (at > _lastSeenTicks[index])
        {
            _lastSeenTicks[index] = at;
        }

        if (trace.Calls <= TraceState.MaxExamples)
        {
            trace.Examples[trace.Calls - 1] = call.Id;
        }

        CheckLength(ref trace, findings);
        var tools = call.ToolCalls;
        for (var i = 0; i < tools.Count; i++)
        {
            CheckRepeat(ref trace, tools[i], findings);
        }
    }

    /// <summary>Drops traces idle since before <paramref name="now"/> minus the idle time; resolves their alerts.</summary>
    public void Sweep(DateTimeOffset now, List<LoopFinding> findings)
    {
        var idle = TimeSpan.FromMinutes(_rules.Loops.TraceIdleMinutes);
        if (_slotOf.Count > _rules.Loops.MaxActiveTraces)
        {
            // Over the cap: evict more eagerly rather than grow.
            idle /= 4;
        }

        // Free slots hold long.MaxValue, so they never look idle.
        var nowTicks = now.UtcTicks;
        var lastSeen = _lastSeenTicks;
        for (var i = 0; i < _used; i++)
        {
            if (nowTicks - lastSeen[i] >= idle.Ticks)
            {
                _expired.Add(i);
            }
        }

        foreach (var index in _expired)
        {
            ref var trace = ref _traces[index];
            _slotOf.Remove(trace.Id);
            trace.Profile.Add(trace.Calls);
            if ((trace.Fired & LoopSignals.Length) != 0)
            {
                findings.Add(Resolved(AlertSignals.CallsPerTrace, ref trace));
            }

            if ((trace.Fired & LoopSignals.Repeat) != 0)
            {
                findings.Add(Resolved(AlertSignals.RepeatedToolCalls, ref trace));
            }

            trace.Release();
            _lastSeenTicks[index] = long.MaxValue;
            _free.Push(index);
        }

        _expired.Clear();
    }

    private static LoopFinding Resolved(string signal, ref TraceState trace) =>
        new(DetectorVerdict.Resolve, signal, trace.Id, trace.Feature, trace.Tenant, trace.Calls, 0, trace.FirstSeen, [], null);

    private int Open(string traceId, CallRecord call)
    {
        if (!_free.TryPop(out var index))
        {
            index = _used++;
            if (index == _traces.Length)
            {
                Array.Resize(ref _traces, _traces.Length * 2);
                Array.Resize(ref _lastSeenTicks, _traces.Length);
            }
        }

        _traces[index].Open(traceId, call.Feature, call.Tenant, call.Timestamp, _rules.For(call.Feature), ProfileOf(call.Feature));
        _lastSeenTicks[index] = call.Timestamp.UtcTicks;
        return index;
    }

    private void CheckLength(ref TraceState trace, List<LoopFinding> findings)
    {
        if ((trace.Fired & LoopSignals.Length) != 0)
        {
            return;
        }

        var cap = trace.Rules.MaxCallsPerTrace ?? _rules.Loops.MaxCallsPerTrace;
        double limit = cap;
        var usual = double.NaN;
        var profile = trace.Profile;

        // A feature's profile counts from its first completed trace on.
        if (profile.Completed > 0 && profile.Completed >= _rules.Loops.MinCompletedTraces)
        {
            usual = profile.P95;
            limit = Math.Min(cap, Math.Max(_rules.Loops.MinLoopCalls, _rules.Loops.TraceLengthFactor * usual));
        }

        if (trace.Calls > limit)
        {
            trace.Fired |= LoopSignals.Length;
            findings.Add(new LoopFinding(DetectorVerdict.Fire, AlertSignals.CallsPerTrace, trace.Id, trace.Feature, trace.Tenant,
                trace.Calls, double.IsNaN(usual) ? cap : usual, trace.FirstSeen, trace.ExampleIds(), null));
        }
    }

    private void CheckRepeat(ref TraceState trace, ToolCallRecord tool, List<LoopFinding> findings)
    {
        var count = trace.CountTool(tool);
        var max = trace.Rules.MaxIdenticalToolCalls ?? _rules.Loops.MaxIdenticalToolCalls;
        if (count > max && (trace.Fired & LoopSignals.Repeat) == 0)
        {
            trace.Fired |= LoopSignals.Repeat;
            findings.Add(new LoopFinding(DetectorVerdict.Fire, AlertSignals.RepeatedToolCalls, trace.Id, trace.Feature, trace.Tenant,
                count, max, trace.FirstSeen, trace.ExampleIds(), tool.Name));
        }
    }

    private TraceLengthProfile ProfileOf(string? feature)
    {
        ref var profile = ref CollectionsMarshal.GetValueRefOrAddDefault(_profiles, feature ?? "", out _);
        return profile ??= new TraceLengthProfile();
    }

    [Flags]
    private enum LoopSignals : byte
    {
        None = 0,
        Length = 1,
        Repeat = 2,
    }

    // One slab entry per live trace; a tool tally only for traces that call tools, kept for the slot's next trace.
    private struct TraceState
    {
        public const int MaxExamples = 5;
        private const int MaxDistinctTools = 64;
        private const int KeptToolCapacity = 8;

        private (string Name, string? Hash, int Count)[]? _tools;
        private int _toolCount;

        public string Id;
        public string? Feature;
        public string? Tenant;
        public DateTimeOffset FirstSeen;
        public FeatureRules Rules;
        public TraceLengthProfile Profile;
        public int Calls;
        public ExampleIdBuffer Examples;
        public LoopSignals Fired;

        public void Open(string id, string? feature, string? tenant, DateTimeOffset firstSeen, FeatureRules rules, TraceLengthProfile profile)
        {
            (Id, Feature, Tenant, FirstSeen, Rules, Profile) = (id, feature, tenant, firstSeen, rules, profile);
            Calls = 0;
            Fired = LoopSignals.None;
        }

        /// <summary>Lets go of the trace's strings; the tool tally's array stays for reuse unless it grew large.</summary>
        public void Release()
        {
            (Id, Feature, Tenant, Rules, Profile) = (null!, null, null, null!, null!);
            Examples = default;
            if (_tools is not null)
            {
                if (_tools.Length > KeptToolCapacity)
                {
                    _tools = null;
                }
                else
                {
                    Array.Clear(_tools, 0, _toolCount);
                }
            }

            _toolCount = 0;
        }

        public readonly string[] ExampleIds()
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
