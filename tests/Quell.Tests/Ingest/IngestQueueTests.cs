using Quell.Calls;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Storage;
using Quell.Storage.Sqlite;
using Quell.Tests.Server;

namespace Quell.Tests.Ingest;

public sealed class IngestQueueTests
{
    private static CallRecord Call(string id) => new() { Id = id, Timestamp = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero) };

    [Fact]
    public async Task TryEnqueue_QueueAtCapacity_RefusesWithoutGrowing()
    {
        var gate = new GatedCallLog();
        await using var queue = new IngestQueue(gate, new IngestQueueOptions { Capacity = 10, MaxBatch = 100 }, new IngestMetrics());

        var first = queue.TryEnqueue([.. Enumerable.Range(0, 6).Select(i => Call($"a{i}"))]);
        var second = queue.TryEnqueue([.. Enumerable.Range(0, 4).Select(i => Call($"b{i}"))]);
        var refused = queue.TryEnqueue([Call("c0")]);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(refused);
        Assert.Equal(10, queue.QueuedCalls);

        gate.Open();
        Assert.Equal(6, (await first!).Inserted);
        Assert.Equal(4, (await second!).Inserted);
        Assert.Equal(0, queue.QueuedCalls);
        Assert.NotNull(queue.TryEnqueue([Call("c1")]));
    }

    [Fact]
    public async Task TryEnqueue_SeveralRequests_AreGroupCommittedAndEachToldItsOwnDuplicates()
    {
        using var log = new SqliteCallLog(new SqliteDatabase(Path.Combine(TempDirectory.Create(), "q.db")), TimeProvider.System);
        await log.AppendAsync([Call("x1")]);
        var metrics = new IngestMetrics();
        await using var queue = new IngestQueue(log, new IngestQueueOptions(), metrics);

        var a = queue.TryEnqueue([Call("a1"), Call("a2")])!;
        var b = queue.TryEnqueue([Call("x1"), Call("b1")])!;
        var results = await Task.WhenAll(a, b);

        Assert.Equal((2, 0), (results[0].Inserted, results[0].Duplicates));
        Assert.Equal((1, 1), (results[1].Inserted, results[1].Duplicates));
        Assert.Equal(4, await log.CountAsync());
    }

    [Fact]
    public async Task TryEnqueue_WriteFails_CallerSeesTheFailure()
    {
        var failing = new GatedCallLog { Fail = true };
        failing.Open();
        await using var queue = new IngestQueue(failing, new IngestQueueOptions(), new IngestMetrics());
        await Assert.ThrowsAsync<IOException>(() => queue.TryEnqueue([Call("f")])!);
        Assert.Equal(0, queue.QueuedCalls);
    }

    /// <summary>A log whose writes wait for a gate, to hold the queue full deterministically.</summary>
    private sealed class GatedCallLog : ICallLog
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Fail { get; init; }

        public void Open() => _gate.TrySetResult();

        public async Task<AppendResult> AppendAsync(IReadOnlyList<CallRecord> calls, CancellationToken cancellationToken = default)
        {
            await _gate.Task;
            return Fail ? throw new IOException("disk full") : new AppendResult(calls.Count, 0, calls.Count);
        }

        public Task<IReadOnlyList<LoggedCall>> ReadAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<LoggedCall?> GetAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<LoggedCall>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<UsageSummary>> SummarizeAsync(string dimension, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<long> CountAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallCounts> CountAsync(CallQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<long> LastSequenceAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<int> PurgeAsync(string? feature, IReadOnlyCollection<string> excludedFeatures, DateTimeOffset olderThan, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<DimensionAggregate>> AggregateAsync(IReadOnlyList<string> dimensions, DateTimeOffset from, DateTimeOffset to, string? feature = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<CallTotals>> TotalsAsync(CallQuery filter, IReadOnlyList<string>? groupBy = null, int maxGroups = int.MaxValue, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> DistinctAsync(CallQuery filter, string dimension, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<FindingTotals> FindingTotalsAsync(CallQuery filter, IReadOnlyCollection<string> kinds, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<double?> LatencyQuantileAsync(CallQuery filter, double quantile, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
