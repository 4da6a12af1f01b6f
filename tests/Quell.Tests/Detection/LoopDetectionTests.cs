using Quell.Alerts;
using Quell.Calls;
using Quell.Detection;

namespace Quell.Tests.Detection;

public sealed class LoopDetectionTests
{
    private static readonly DateTimeOffset T0 = SyntheticTraffic.Start;

    [Fact]
    public void Engine_TraceBeyondLoopCap_FiresCallsPerTraceAndResolvesWhenIdle()
    {
        var engine = new DetectionEngine();
        var calls = Enumerable.Range(0, 150).Select(i => Call($"c{i}", "runaway", T0.AddSeconds(i)));
        var events = EngineHarness.Run(engine, calls, until: T0.AddMinutes(30));

        var fired = events.Fired(AlertSignals.CallsPerTrace).Single();
        Assert.Equal("runaway", fired.Alert.Labels["trace_id"]);
        Assert.Equal(101, fired.Alert.Observed);
        Assert.Equal(T0.AddSeconds(100), fired.At);
        Assert.Contains(events, e => e.Kind == AlertEventKind.Resolved && e.Alert.Fingerprint == fired.Alert.Fingerprint);
    }

    [Fact]
    public void Engine_IdenticalToolCallRepeated_FiresRepeatedToolCalls()
    {
        var engine = new DetectionEngine();
        var tool = new ToolCallRecord("search_orders", "h-123");
        var calls = Enumerable.Range(0, 8).Select(i => Call($"c{i}", "stuck", T0.AddSeconds(i)) with { ToolCalls = [tool] });
        var events = EngineHarness.Run(engine, calls);

        var fired = events.Fired(AlertSignals.RepeatedToolCalls).Single();
        Assert.Equal(6, fired.Alert.Observed);
        Assert.Contains("search_orders", fired.Alert.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_TraceFarLongerThanUsual_FiresBelowHardCap()
    {
        var engine = new DetectionEngine();
        var calls = new List<CallRecord>();
        var t = T0;
        for (var trace = 0; trace < 80; trace++)
        {
            for (var i = 0; i < 1 + (trace % 4); i++)
            {
                calls.Add(Call($"c{trace}-{i}", $"normal-{trace}", t = t.AddSeconds(1)));
            }

            t = t.AddMinutes(1);
        }

        for (var i = 0; i < 40; i++)
        {
            calls.Add(Call($"long-{i}", "long", t = t.AddSeconds(1)));
        }

        var fired = EngineHarness.Run(engine, calls).Fired(AlertSignals.CallsPerTrace).Single();
        Assert.Equal("long", fired.Alert.Labels["trace_id"]);
        Assert.Equal(21, fired.Alert.Observed);
    }

    [Fact]
    public void Engine_LongChatSessionsWithoutTraces_RaiseNoLoopAlert()
    {
        // A chat session per user per day: hundreds of calls share a session id, each request is its own (absent) trace.
        var engine = new DetectionEngine();
        var calls = Enumerable.Range(0, 3000).Select(i => Call($"c{i}", trace: null!, T0.AddSeconds(i * 5)) with { SessionId = $"user-{i % 5}-day", Operation = "chat" });
        var events = EngineHarness.Run(engine, calls, until: T0.AddHours(6));
        Assert.DoesNotContain(events, e => e.Alert.Signal is AlertSignals.CallsPerTrace or AlertSignals.RepeatedToolCalls);
        Assert.Equal(0, engine.ActiveTraces);
    }

    [Fact]
    public void Engine_ManyShortTraces_StateIsEvicted()
    {
        var engine = new DetectionEngine();
        var calls = Enumerable.Range(0, 10_000).Select(i => Call($"c{i}", $"t{i}", T0.AddSeconds(i)));
        var events = EngineHarness.Run(engine, calls, until: T0.AddSeconds(10_000) + TimeSpan.FromMinutes(20));
        Assert.Empty(events);
        Assert.Equal(0, engine.ActiveTraces);
    }

    private static CallRecord Call(string id, string trace, DateTimeOffset at) => new()
    {
        Id = id,
        Timestamp = at,
        Feature = "agent",
        Tenant = "acme",
        Provider = "openai",
        Model = "gpt-4o",
        TraceId = trace,
        LatencyMs = 500,
        InputTokens = 100,
        OutputTokens = 10,
    };
}
