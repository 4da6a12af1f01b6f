using System.Text.Json;
using Quell.Calls;
using Quell.Storage;

namespace Quell.Tests.Storage;

/// <summary>The calls log and cursors, the same tests over every storage provider.</summary>
public abstract class CallLogContractTests(StorageFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static CallRecord Call(string id, string feature = "f", int minutes = 0, string tenant = "acme", string user = "u1", bool error = false, double cost = 0.01) => new()
    {
        Id = id,
        Timestamp = T0.AddMinutes(minutes),
        Tenant = tenant,
        User = user,
        Feature = feature,
        Model = "gpt-4o-mini",
        Provider = "openai",
        LatencyMs = 100 + minutes,
        InputTokens = 1000,
        OutputTokens = 200,
        CostUsd = cost,
        CostSource = CostSource.Reported,
        Status = error ? CallStatus.Error : CallStatus.Ok,
        ErrorType = error ? ErrorTypes.Timeout : null,
    };

    [Fact]
    public async Task Append_DuplicateIds_FirstOccurrenceIsNewAndSequencesIncrease()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var log = storage.CallLog;

        var first = await log.AppendAsync([Call("a"), Call("b"), Call("a")]);
        var second = await log.AppendAsync([Call("b"), Call("c")]);

        Assert.Equal((2, 1), (first.Inserted, first.Duplicates));
        Assert.Equal([true, true, false], first.IsNew!);
        Assert.Equal([false, true], second.IsNew!);
        var all = await log.ReadAfterAsync(0, 10);
        Assert.Equal(["a", "b", "c"], all.Select(c => c.Call.Id).ToList());
        Assert.True(all[0].Sequence < all[1].Sequence && all[1].Sequence < all[2].Sequence);
        Assert.Equal(all[2].Sequence, second.LastSequence);
        Assert.Equal(all[2].Sequence, await log.LastSequenceAsync());
        Assert.Equal(3, await log.CountAsync());
    }

    [Fact]
    public async Task Get_EveryField_RoundTripsExactly()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var call = new CallRecord
        {
            Id = "full",
            Timestamp = T0.AddMilliseconds(123),
            Tenant = "acme",
            User = "u-7",
            Feature = "support_chat",
            Operation = "execute_tool",
            Provider = "anthropic",
            Model = "claude",
            ModelVersion = "2026-01",
            Region = "eu-west-1",
            PromptVersion = "p42",
            TraceId = "t1",
            SessionId = "s1",
            LatencyMs = 812.5,
            TtftMs = 90.25,
            InputTokens = 1234,
            OutputTokens = 567,
            CachedInputTokens = 89,
            CostUsd = 0.0123,
            CostSource = CostSource.PriceTable,
            Status = CallStatus.Error,
            ErrorType = "rate_limited",
            Input = "what is my balance? ünïcödé",
            Output = "your balance is 12",
            SystemPrompt = "you are a bank",
            Retrieved = [new RetrievedDocument("d1", "acme"), new RetrievedDocument("d2", null)],
            ToolCalls = [new ToolCallRecord("search", "h1"), new ToolCallRecord("lookup", null)],
            AttributesJson = "{\"k\":1}",
            Findings = [new CallFinding("output", "pii", "EMAIL_ADDRESS", 3, 20, 0.97, "a***@b.com", "globex")],
            InjectionScore = 0.02,
        };
        await storage.CallLog.AppendAsync([call]);

        var stored = (await storage.CallLog.GetAsync("full"))!.Value.Call;

        Assert.Equal(JsonSerializer.Serialize(call), JsonSerializer.Serialize(stored));
        Assert.Null(await storage.CallLog.GetAsync("missing"));
    }

    [Fact]
    public async Task ReadFiguresAfter_OmitsContentButKeepsFigures()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.CallLog.AppendAsync([Call("a") with { Input = "secret in", Output = "secret out", SystemPrompt = "sys", AttributesJson = "{\"x\":2}" }]);

        var figures = Assert.Single(await storage.CallLog.ReadFiguresAfterAsync(0, 10)).Call;

        Assert.Null(figures.Input);
        Assert.Null(figures.Output);
        Assert.Null(figures.SystemPrompt);
        Assert.Equal(1000, figures.InputTokens);
        Assert.Equal(0.01, figures.CostUsd);
        Assert.Equal("secret in", Assert.Single(await storage.CallLog.ReadAfterAsync(0, 10)).Call.Input);
    }

    [Fact]
    public async Task Query_Filters_ReturnNewestFirstWithinLimit()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.CallLog.AppendAsync([Call("a", "chat", 0), Call("b", "chat", 10, error: true), Call("c", "search", 20), Call("d", "chat", 30, tenant: "globex")]);
        var log = storage.CallLog;

        Assert.Equal(["d", "b", "a"], (await log.QueryAsync(new CallQuery { Feature = "chat" })).Select(c => c.Call.Id).ToList());
        Assert.Equal(["b"], (await log.QueryAsync(new CallQuery { Status = "error" })).Select(c => c.Call.Id).ToList());
        Assert.Equal(["d"], (await log.QueryAsync(new CallQuery { Tenant = "globex" })).Select(c => c.Call.Id).ToList());
        Assert.Equal(["c", "b"], (await log.QueryAsync(new CallQuery { From = T0.AddMinutes(5), To = T0.AddMinutes(30) })).Select(c => c.Call.Id).ToList());
        Assert.Equal(["d", "c"], (await log.QueryAsync(new CallQuery { Limit = 2 })).Select(c => c.Call.Id).ToList());
        var afterFirst = (await log.ReadAfterAsync(0, 1))[0].Sequence;
        Assert.Equal(3, (await log.QueryAsync(new CallQuery { AfterSequence = afterFirst })).Count);
    }

    [Fact]
    public async Task CountAndTotals_OverTwelveThousandCalls_AreExact()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var calls = Enumerable.Range(0, 12_000).Select(i => Call($"c{i}", "chat", i % 600, tenant: $"t{i % 3}", user: $"u{i % 250}")).ToList();
        await storage.CallLog.AppendAsync(calls);
        await storage.CallLog.AppendAsync([Call("other", "search", tenant: "t9", user: "x")]);

        var counts = await storage.CallLog.CountAsync(new CallQuery { Feature = "chat", Limit = 10 });

        Assert.Equal(12_000, counts.Calls);
        Assert.Equal(3, counts.Tenants);
        Assert.Equal(250, counts.Users);
        Assert.Equal(["t0", "t1", "t2"], counts.TenantNames.Order().ToList());
        var totals = Assert.Single(await storage.CallLog.TotalsAsync(new CallQuery { Feature = "chat", Limit = 10 }));
        Assert.Equal((12_000L, 250L, 3L, 12_000_000L, 0L), (totals.Calls, totals.Users, totals.Tenants, totals.InputTokens, totals.UnpricedCalls));
        Assert.Equal(120.0, totals.CostUsd, 6);
        Assert.Equal((T0, T0.AddMinutes(599)), (totals.FirstAt, totals.LastAt));
        var byTenant = await storage.CallLog.TotalsAsync(new CallQuery(), ["tenant"], maxGroups: 2);
        Assert.Equal(2, byTenant.Count);
        Assert.All(byTenant, t => Assert.Equal(4_000, t.Calls));
        Assert.Equal(250, (await storage.CallLog.DistinctAsync(new CallQuery { Feature = "chat" }, "user", 10_000)).Count);
        Assert.Equal(["t0", "t1", "t2", "t9"], await storage.CallLog.DistinctAsync(new CallQuery(), "tenant", 10));
        Assert.Equal(["u0", "u1"], await storage.CallLog.DistinctAsync(new CallQuery { Users = ["u1", "u0", "nobody"] }, "user", 10));
    }

    [Fact]
    public async Task Totals_FindingsAndLatencyQuantile_ComputedByTheStore()
    {
        using var storage = fixture.Create(TimeProvider.System);
        CallFinding Pii(string entity, string? owner = null) => new("output", "pii", entity, 0, 5, 0.9, "x***", owner);
        await storage.CallLog.AppendAsync([
            Call("a", "chat", 0) with { Findings = [Pii("EMAIL_ADDRESS"), Pii("PHONE_NUMBER")], LatencyMs = 10 },
            Call("b", "chat", 1) with { Findings = [Pii("EMAIL_ADDRESS", owner: "globex"), new CallFinding("input", "injection", "JAILBREAK", 0, 3, 0.8, "ign")], LatencyMs = 20 },
            Call("c", "chat", 2, tenant: "globex") with { Findings = [Pii("EMAIL_ADDRESS", owner: "globex")], LatencyMs = 30 },
            Call("d", "chat", 3) with { LatencyMs = 40 },
            Call("e", "chat", 4) with { LatencyMs = null },
        ]);

        var pii = await storage.CallLog.FindingTotalsAsync(new CallQuery { Feature = "chat" }, ["pii"]);
        Assert.Equal(3, pii.Calls);
        Assert.Equal(new Dictionary<string, long> { ["EMAIL_ADDRESS"] = 3, ["PHONE_NUMBER"] = 1 }, pii.ByEntity);
        Assert.Equal(["globex"], pii.OwnerTenants);
        Assert.Equal(["a", "b", "c"], (await storage.CallLog.QueryAsync(new CallQuery { FindingKinds = ["pii"] })).Select(c => c.Call.Id).Order().ToList());
        Assert.Equal(["b"], (await storage.CallLog.QueryAsync(new CallQuery { FindingKinds = ["injection"] })).Select(c => c.Call.Id).ToList());
        Assert.Equal(2, Assert.Single(await storage.CallLog.TotalsAsync(new CallQuery { Feature = "chat", Tenant = "acme" })).FlaggedCalls);
        Assert.Equal(20, await storage.CallLog.LatencyQuantileAsync(new CallQuery(), 0.5));
        Assert.Equal(40, await storage.CallLog.LatencyQuantileAsync(new CallQuery(), 0.99));
        Assert.Null(await storage.CallLog.LatencyQuantileAsync(new CallQuery { Feature = "none" }, 0.5));
        var hours = await storage.CallLog.TotalsAsync(new CallQuery(), ["hour", "status"]);
        Assert.Equal(["2026-11-20T10:00:00Z", "ok"], Assert.Single(hours).Key);
    }

    [Fact]
    public async Task SummarizeAndAggregate_GroupInTheDatabase()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.CallLog.AppendAsync([
            Call("a", "chat", 0, cost: 0.5), Call("b", "chat", 5, error: true, cost: 0.25), Call("c", "search", 70, cost: 1.0),
            Call("d", "chat", 75) with { CostUsd = null, CostSource = CostSource.Unknown },
        ]);

        var summary = (await storage.CallLog.SummarizeAsync("feature", T0, T0.AddHours(2))).ToDictionary(s => s.Key!);
        Assert.Equal(new UsageSummary("chat", 3, 1, 3000, 600, 0.75, 1), summary["chat"]);
        Assert.Equal(new UsageSummary("search", 1, 0, 1000, 200, 1.0, 0), summary["search"]);

        var byHour = (await storage.CallLog.AggregateAsync(["feature", "hour"], T0, T0.AddHours(2), "chat"))
            .ToDictionary(a => string.Join("|", a.Key));
        Assert.Equal(2, byHour.Count);
        var first = byHour["chat|2026-11-20T10:00:00Z"];
        Assert.Equal((2, 1, 1, 0.75, 2000L), (first.Calls, first.Errors, first.Timeouts, first.CostUsd, first.InputTokens));
        Assert.Equal(205, first.LatencyMsSum);
        Assert.Equal(1, byHour["chat|2026-11-20T11:00:00Z"].Calls);
        var status = (await storage.CallLog.AggregateAsync(["status"], T0, T0.AddHours(2))).ToDictionary(a => a.Key[0]!);
        Assert.Equal((3L, 1L), (status["ok"].Calls, status["error"].Calls));
    }

    [Fact]
    public async Task Purge_PerFeatureAndDefaultRetention_DeleteOnlyOldCallsAndKeepSequencesMonotonic()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var log = storage.CallLog;
        await log.AppendAsync([Call("old-a", "a", 0), Call("new-a", "a", 120), Call("old-b", "b", 0), Call("old-keep", "keep", 0)]);

        Assert.Equal(1, await log.PurgeAsync("a", [], T0.AddMinutes(60)));
        Assert.Equal(1, await log.PurgeAsync(null, ["a", "keep"], T0.AddMinutes(60)));
        var last = await log.LastSequenceAsync();
        await log.AppendAsync([Call("later", "a", 200)]);

        Assert.Equal(["new-a", "old-keep", "later"], (await log.ReadAfterAsync(0, 10)).Select(c => c.Call.Id).ToList());
        Assert.True((await log.GetAsync("later"))!.Value.Sequence > last);
    }

    [Fact]
    public async Task Reopen_SameStore_KeepsCallsAndCursorsAndMigratesOnce()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.CallLog.AppendAsync([Call("a"), Call("b"), Call("c")]);
        var cursor = (await storage.CallLog.ReadAfterAsync(0, 2))[^1].Sequence;
        await storage.Cursors.SetAsync("detector", cursor);
        await storage.Cursors.SetAsync("detector", cursor);

        using var reopened = fixture.Reopen(storage, TimeProvider.System);
        var resumed = await reopened.CallLog.ReadAfterAsync(await reopened.Cursors.GetAsync("detector"), 100);

        Assert.Equal("c", Assert.Single(resumed).Call.Id);
        Assert.Equal(0, await reopened.Cursors.GetAsync("never-set"));
        Assert.False((await reopened.CallLog.AppendAsync([Call("a")])).IsNew![0]);
    }
}

public sealed class SqliteCallLogContractTests(SqliteStorageFixture fixture) : CallLogContractTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class PostgresCallLogContractTests(PostgresStorageFixture fixture) : CallLogContractTests(fixture), IClassFixture<PostgresStorageFixture>;
