using Dapper;
using Quell.Calls;
using Quell.Server.Storage;
using Quell.Storage;
using Quell.Storage.Sqlite;
using Quell.Tests.Server;

namespace Quell.Tests.Storage;

/// <summary>The calls log's aggregate queries: exact totals, groups, distinct values, findings and a latency quantile, over every provider.</summary>
public abstract class CallTotalsTests(StorageFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    protected static readonly DateTimeOffset Start = T0;

    private async Task<IStorageProvider> StoreAsync()
    {
        var storage = fixture.Create(TimeProvider.System);
        var log = storage.CallLog;

        // 12 calls: features a (8) and b (4); users u0..u3; every third failed with a timeout; every fourth carries PII.
        var calls = Enumerable.Range(0, 12).Select(i => new CallRecord
        {
            Id = $"c{i}",
            Timestamp = T0.AddMinutes(i),
            Feature = i < 8 ? "a" : "b",
            Tenant = i % 2 == 0 ? "acme" : "globex",
            User = $"u{i % 4}",
            Operation = i == 11 ? "embeddings" : "chat",
            LatencyMs = (i + 1) * 10,
            InputTokens = 100,
            OutputTokens = i,
            CachedInputTokens = 10,
            CostUsd = i == 5 ? null : 0.5,
            CostSource = i == 5 ? CostSource.Unknown : CostSource.Reported,
            Status = i % 3 == 0 ? CallStatus.Error : CallStatus.Ok,
            ErrorType = i % 3 == 0 ? ErrorTypes.Timeout : null,
            Findings = i % 4 == 0 ? [new CallFinding("output", "pii", "EMAIL_ADDRESS", 0, 3, 0.9, "a@b", i == 8 ? "initech" : null)] : [],
        }).ToList();
        await log.AppendAsync(calls);
        return storage;
    }

    [Fact]
    public async Task Totals_Ungrouped_CountsEveryMatchingCall()
    {
        using var storage = await StoreAsync();
        var log = storage.CallLog;

        var t = Assert.Single(await log.TotalsAsync(new CallQuery { From = T0, To = T0.AddHours(1) }));

        Assert.Equal(12, t.Calls);
        Assert.Equal(4, t.Errors);
        Assert.Equal(4, t.Timeouts);
        Assert.Equal(3, t.FlaggedCalls);
        Assert.Equal(1, t.UnpricedCalls);
        Assert.Equal(4, t.Users);
        Assert.Equal(2, t.Tenants);
        Assert.Equal(1200, t.InputTokens);
        Assert.Equal(66, t.OutputTokens);
        Assert.Equal(120, t.CachedInputTokens);
        Assert.Equal(5.5, t.CostUsd, 9);
        Assert.Equal(780, t.LatencyMsSum, 9);
        Assert.Equal(12, t.LatencyCalls);
        Assert.Equal(T0, t.FirstAt);
        Assert.Equal(T0.AddMinutes(11), t.LastAt);
    }

    [Fact]
    public async Task Totals_EmptyWindow_OneRowOfZeros()
    {
        using var storage = await StoreAsync();
        var log = storage.CallLog;

        var t = Assert.Single(await log.TotalsAsync(new CallQuery { From = T0.AddDays(1), To = T0.AddDays(2) }));

        Assert.Equal(0, t.Calls);
        Assert.Null(t.FirstAt);
        Assert.Equal(0, t.CostUsd);
    }

    [Fact]
    public async Task Totals_GroupedByFeatureAndTenant_MostCallsFirstAndCapped()
    {
        using var storage = await StoreAsync();
        var log = storage.CallLog;

        var groups = await log.TotalsAsync(new CallQuery(), ["feature", "tenant"]);
        var top = await log.TotalsAsync(new CallQuery(), ["feature", "tenant"], maxGroups: 1);

        Assert.Equal(4, groups.Count);
        Assert.Equal(12, groups.Sum(g => g.Calls));
        Assert.Equal(["a", "acme"], groups[0].Key);
        Assert.Equal(4, groups[0].Calls);
        Assert.Equal(2, groups[0].Users);
        Assert.Equal(["a", "acme"], Assert.Single(top).Key);
        await Assert.ThrowsAsync<ArgumentException>(() => log.TotalsAsync(new CallQuery(), ["colour"]));
    }

    [Fact]
    public async Task Filter_UsersOperationErrorTypeAndFindingKinds_AppliedInTheDatabase()
    {
        using var storage = await StoreAsync();
        var log = storage.CallLog;

        Assert.Equal(6, Assert.Single(await log.TotalsAsync(new CallQuery { Users = ["u0", "u1"] })).Calls);
        Assert.Equal(1, Assert.Single(await log.TotalsAsync(new CallQuery { Operation = "embeddings" })).Calls);
        Assert.Equal(4, Assert.Single(await log.TotalsAsync(new CallQuery { ErrorType = ErrorTypes.Timeout })).Calls);
        Assert.Equal(3, Assert.Single(await log.TotalsAsync(new CallQuery { FindingKinds = ["pii"] })).Calls);
        Assert.Equal(0, Assert.Single(await log.TotalsAsync(new CallQuery { FindingKinds = ["secret"] })).Calls);
        Assert.Equal(["c8", "c4", "c0"], (await log.QueryAsync(new CallQuery { FindingKinds = ["pii"] })).Select(c => c.Call.Id));
    }

    [Fact]
    public async Task DistinctFindingsAndQuantile_OverTheFilter_ExactValues()
    {
        using var storage = await StoreAsync();
        var log = storage.CallLog;
        var pii = new CallQuery { FindingKinds = ["pii"] };

        Assert.Equal(["u0"], await log.DistinctAsync(pii, "user", 100));
        Assert.Equal(["acme"], await log.DistinctAsync(pii, "tenant", 100));
        Assert.Equal(["u0", "u1"], await log.DistinctAsync(new CallQuery(), "user", 2));
        var findings = await log.FindingTotalsAsync(pii, ["pii"]);
        Assert.Equal(3, findings.Calls);
        Assert.Equal(3, findings.ByEntity["EMAIL_ADDRESS"]);
        Assert.Equal(["initech"], findings.OwnerTenants);

        // Nearest rank: the 12th of 12 latencies (10..120 ms) is the p95, the 6th the median.
        Assert.Equal(120, await log.LatencyQuantileAsync(new CallQuery(), 0.95));
        Assert.Equal(60, await log.LatencyQuantileAsync(new CallQuery(), 0.5));
        Assert.Null(await log.LatencyQuantileAsync(new CallQuery { Feature = "none" }, 0.95));
    }

    [Fact]
    public async Task Filter_BoundsBetweenMilliseconds_KeepHalfOpenWindowExact()
    {
        using var storage = await StoreAsync();
        var log = storage.CallLog;

        // [T0 + 0.5 ms, T0 + 1 min + 0.5 ms) holds only the call stamped at T0 + 1 min.
        var t = Assert.Single(await log.TotalsAsync(new CallQuery { From = T0.AddTicks(5_000), To = T0.AddMinutes(1).AddTicks(5_000) }));

        Assert.Equal(1, t.Calls);
        Assert.Equal(T0.AddMinutes(1), t.FirstAt);
    }
}

public sealed class SqliteCallTotalsTests(SqliteStorageFixture fixture) : CallTotalsTests(fixture), IClassFixture<SqliteStorageFixture>
{
    [Fact]
    public async Task Open_TableWithoutALaterField_AddsItsColumn()
    {
        var path = Path.Combine(TempDirectory.Create(), "quell.db");
        var db = new SqliteDatabase(path);
        using (var connection = db.Open())
        {
            connection.Execute("ALTER TABLE calls DROP COLUMN injection_score");
        }

        using var log = new SqliteCallLog(new SqliteDatabase(path), TimeProvider.System);
        await log.AppendAsync([new CallRecord { Id = "x", Timestamp = Start, InjectionScore = 0.25 }]);

        Assert.Equal(0.25, (await log.GetAsync("x"))!.Value.Call.InjectionScore);
    }
}

public sealed class PostgresCallTotalsTests(PostgresStorageFixture fixture) : CallTotalsTests(fixture), IClassFixture<PostgresStorageFixture>
{
    [Fact]
    public async Task Open_TableWithoutALaterField_AddsItsColumn()
    {
        using var first = fixture.Create(TimeProvider.System);
        await using (var connection = await ((Quell.Storage.Postgres.PostgresStorageProvider)first).Database.OpenAsync())
        {
            await connection.ExecuteAsync("ALTER TABLE calls DROP COLUMN injection_score");
        }

        using var reopened = fixture.Reopen(first, TimeProvider.System);
        await reopened.CallLog.AppendAsync([new CallRecord { Id = "x", Timestamp = Start, InjectionScore = 0.25 }]);

        Assert.Equal(0.25, (await reopened.CallLog.GetAsync("x"))!.Value.Call.InjectionScore);
    }
}
