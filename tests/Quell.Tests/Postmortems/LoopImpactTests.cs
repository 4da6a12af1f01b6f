using Quell.Calls;
using Quell.Incidents;
using Quell.Postmortems;
using Quell.Storage.Sqlite;
using Quell.Tests.Server;

namespace Quell.Tests.Postmortems;

/// <summary>An agent-loop incident's impact covers every trace that looped in its window, not only the one its first alert named.</summary>
public sealed class LoopImpactTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 7, 15, 0, 0, TimeSpan.Zero);

    private static Incident LoopIncident() => new()
    {
        Id = "inc-loop", Title = "t", Category = "cost", GroupKey = "cost:research_agent", Feature = "research_agent",
        Labels = new Dictionary<string, string> { ["feature"] = "research_agent", ["signal"] = "repeated_tool_calls", ["trace_id"] = "loop-a" },
        OnsetAt = T0, DetectedAt = T0.AddMinutes(10), LastSignalAt = T0.AddMinutes(10), UpdatedAt = T0, ResolvedAt = T0.AddHours(2),
    };

    /// <summary>
    /// The day before: healthy runs of 1 to 8 calls. In the window: loops of 60 and 40 calls by two users of two
    /// tenants, and healthy runs of 3 and 8 calls that do not count.
    /// </summary>
    private static List<CallRecord> Calls()
    {
        var calls = new List<CallRecord>();
        void Trace(string id, DateTimeOffset start, int n, string user, string tenant)
        {
            for (var i = 0; i < n; i++)
            {
                calls.Add(new CallRecord
                {
                    Id = $"{id}-{i:D3}", Timestamp = start.AddSeconds(10 * i), Tenant = tenant, User = user, Feature = "research_agent",
                    Operation = "chat", Model = "gpt-4o", Provider = "openai", TraceId = id, InputTokens = 100, OutputTokens = 10, CostUsd = 0.01, LatencyMs = 900,
                });
            }
        }

        for (var k = 0; k < 40; k++)
        {
            Trace($"healthy-{k:D2}", T0.AddHours(-20).AddMinutes(20 * k), 1 + (k % 8), $"u{k % 5}", "acme");
        }

        Trace("loop-a", T0.AddMinutes(1), 60, "w1", "wonka");
        Trace("loop-b", T0.AddMinutes(30), 40, "g1", "globex");
        Trace("short", T0.AddMinutes(40), 3, "a1", "acme");
        Trace("normal", T0.AddMinutes(50), 8, "a2", "acme");
        return calls;
    }

    [Fact]
    public void From_LoopIncident_CountsEveryLoopingTraceOfTheWindow()
    {
        var impact = ImpactFigures.From(LoopIncident(), Calls(), T0.AddHours(3));

        Assert.Equal(100, impact.Calls);
        Assert.Equal(2, impact.Users);
        Assert.Equal(2, impact.Tenants);
        Assert.Equal(1.0, impact.CostUsd, 6);
        Assert.Equal("feature=research_agent, traces longer than 8 calls (the longest healthy run)", impact.Scope);
    }

    [Fact]
    public async Task CountAsync_LoopIncident_AggregatesEveryLoopingTraceInTheStore()
    {
        using var log = new SqliteCallLog(new SqliteDatabase(Path.Combine(TempDirectory.Create(), "quell.db")), TimeProvider.System);
        await log.AppendAsync(Calls());

        var impact = await ImpactFigures.CountAsync(log, LoopIncident(), T0.AddHours(3));

        Assert.Equal(100, impact.Calls);
        Assert.Equal(2, impact.Users);
        Assert.Equal(2, impact.Tenants);
        Assert.Equal(1.0, impact.CostUsd, 6);
        Assert.Equal(T0.AddMinutes(1), impact.FirstAffectedAt);
        Assert.Equal("feature=research_agent, traces longer than 8 calls (the longest healthy run)", impact.Scope);
    }

    [Fact]
    public async Task Draft_LoopIncident_TitleNamesTheLoopingTracesNotTheAlertsOne()
    {
        using var log = new SqliteCallLog(new SqliteDatabase(Path.Combine(TempDirectory.Create(), "quell.db")), TimeProvider.System);
        await log.AppendAsync(Calls());
        var incident = LoopIncident();

        var impact = await ImpactFigures.CountAsync(log, incident, T0.AddHours(3));
        var pm = PostmortemDrafter.Draft(incident, [], impact, T0.AddHours(3), TimeSpan.FromDays(5));

        Assert.Equal(2, impact.Traces);
        Assert.Equal(2, ImpactFigures.From(incident, Calls(), T0.AddHours(3)).Traces);
        Assert.Equal("Runaway agent loops on research_agent: 2 traces", pm.Title);
        Assert.DoesNotContain("loop-a", pm.Title, StringComparison.Ordinal);
        Assert.StartsWith("An S3 cost incident: runaway agent loops on research_agent: 2 traces from 2026-11-07 15:01 UTC. It affected 100 calls of 2 users in 2 tenants", pm.Summary, StringComparison.Ordinal);
    }
}
