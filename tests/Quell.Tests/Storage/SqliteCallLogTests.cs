using Quell.Calls;
using Quell.Storage.Sqlite;
using Quell.Tests.Server;

namespace Quell.Tests.Storage;

public sealed class SqliteCallLogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static CallRecord Call(string id, string feature = "f", int minutes = 0) => new()
    {
        Id = id,
        Timestamp = T0.AddMinutes(minutes),
        Feature = feature,
        Retrieved = [new RetrievedDocument("d1", "acme")],
        ToolCalls = [new ToolCallRecord("search", "abc")],
        AttributesJson = "{\"k\":1}",
    };

    [Fact]
    public async Task ReadAfter_CursorPersisted_ResumesAfterReopen()
    {
        var path = Path.Combine(TempDirectory.Create(), "quell.db");
        using (var log = new SqliteCallLog(new SqliteDatabase(path), TimeProvider.System))
        {
            await log.AppendAsync([Call("a"), Call("b"), Call("c")]);
            var first = await log.ReadAfterAsync(0, 2);
            Assert.Equal(["a", "b"], first.Select(c => c.Call.Id).ToList());
            await new SqliteCursorStore(new SqliteDatabase(path), TimeProvider.System).SetAsync("detector", first[^1].Sequence);
        }

        var db = new SqliteDatabase(path);
        using var reopened = new SqliteCallLog(db, TimeProvider.System);
        var cursor = await new SqliteCursorStore(db, TimeProvider.System).GetAsync("detector");
        var rest = await reopened.ReadAfterAsync(cursor, 100);
        var c = Assert.Single(rest);
        Assert.Equal("c", c.Call.Id);
        Assert.Equal("acme", c.Call.Retrieved[0].Tenant);
        Assert.Equal("abc", c.Call.ToolCalls[0].ArgumentsHash);
        Assert.Equal("{\"k\":1}", c.Call.AttributesJson);
    }

    [Fact]
    public async Task Append_SequenceIsMonotonicAcrossPurges()
    {
        using var log = new SqliteCallLog(new SqliteDatabase(Path.Combine(TempDirectory.Create(), "quell.db")), TimeProvider.System);
        await log.AppendAsync([Call("a"), Call("b")]);
        await log.PurgeAsync(null, [], T0.AddDays(1));
        await log.AppendAsync([Call("c")]);
        var after = await log.ReadAfterAsync(0, 10);
        Assert.Equal(3, Assert.Single(after).Sequence);
    }

    [Fact]
    public async Task Purge_PerFeatureRetention_DeletesOnlyOldCallsOfThatFeature()
    {
        using var log = new SqliteCallLog(new SqliteDatabase(Path.Combine(TempDirectory.Create(), "quell.db")), TimeProvider.System);
        await log.AppendAsync([Call("old-a", "a", 0), Call("new-a", "a", 120), Call("old-b", "b", 0)]);
        var purged = await log.PurgeAsync("a", [], T0.AddMinutes(60));
        Assert.Equal(1, purged);
        Assert.Null(await log.GetAsync("old-a"));
        Assert.NotNull(await log.GetAsync("old-b"));
        Assert.Equal(1, await log.PurgeAsync(null, ["a"], T0.AddMinutes(60)));
        Assert.NotNull(await log.GetAsync("new-a"));
    }

    [Fact]
    public async Task Summarize_ByFeature_SumsTokensAndCost()
    {
        using var log = new SqliteCallLog(new SqliteDatabase(Path.Combine(TempDirectory.Create(), "quell.db")), TimeProvider.System);
        await log.AppendAsync([
            Call("a") with { InputTokens = 10, OutputTokens = 1, CostUsd = 0.5, CostSource = CostSource.PriceTable },
            Call("b") with { InputTokens = 20, OutputTokens = 2, Status = CallStatus.Error },
        ]);
        var row = Assert.Single(await log.SummarizeAsync("feature"));
        Assert.Equal(("f", 2L, 1L, 30L, 3L, 0.5, 1L), (row.Key, row.Calls, row.Errors, row.InputTokens, row.OutputTokens, row.CostUsd, row.UnpricedCalls));
    }
}
