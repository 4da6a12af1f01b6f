using Microsoft.Extensions.Time.Testing;
using Quell.Cluster;
using Quell.Storage.Postgres;

namespace Quell.Tests.Storage;

/// <summary>Detector partition leases in a throwaway PostgreSQL database, on one fake clock the test advances.</summary>
public sealed class DetectorLeaseTests(PostgresStorageFixture postgres) : IClassFixture<PostgresStorageFixture>
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(15);

    private (PostgresStorageProvider Provider, PostgresDetectorLeases Leases) Open(FakeTimeProvider time, string? schema = null)
    {
        var provider = new PostgresStorageProvider(schema ?? postgres.NewSchema(), time);
        return (provider, new PostgresDetectorLeases(provider.Database, time, 16, Ttl));
    }

    [Fact]
    public async Task Leases_SplitEvenlyMoveOnExpiryAndFenceTheFormerOwner()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var schema = postgres.NewSchema();
        var (a, leasesA) = Open(time, schema);
        var (b, leasesB) = Open(time, schema);
        using var _a = a;
        using var _b = b;

        // Alone, the first instance takes every partition.
        var first = await leasesA.RenewAsync("a");
        Assert.Equal(16, first.Held.Count);
        Assert.All(first.Held.Values, token => Assert.Equal(1, token));

        // A second instance joins: it is alive but holds nothing until the first gives back its surplus.
        Assert.Empty((await leasesB.RenewAsync("b")).Held);
        var shared = await leasesA.RenewAsync("a");
        Assert.Equal((8, 2), (shared.Held.Count, shared.LiveInstances));
        var second = await leasesB.RenewAsync("b");
        Assert.Equal(8, second.Held.Count);
        Assert.Empty(shared.Held.Keys.Intersect(second.Held.Keys));

        // A saves a cursor for one of its partitions; then it stops renewing (it died, or stalled).
        var partition = shared.Held.Keys.Min();
        Assert.True(await leasesA.SaveCursorAsync("a", partition, shared.Held[partition], 120));
        time.Advance(Ttl / 3);
        await leasesB.RenewAsync("b");
        time.Advance(Ttl);

        // Past the time to live, B takes A's partitions with a new fencing token and reads A's cursor.
        var takeover = await leasesB.RenewAsync("b");
        Assert.Equal(16, takeover.Held.Count);
        Assert.Equal(shared.Held[partition] + 1, takeover.Held[partition]);
        Assert.Equal(120, await leasesB.CursorAsync(partition));

        // A wakes up: its cursor write is fenced off, and renewing tells it what it holds now.
        Assert.False(await leasesA.SaveCursorAsync("a", partition, shared.Held[partition], 999));
        Assert.Equal(120, await leasesB.CursorAsync(partition));
        Assert.True(await leasesB.SaveCursorAsync("b", partition, takeover.Held[partition], 130));
        Assert.Empty((await leasesA.RenewAsync("a")).Held);

        // A clean stop gives every lease back at once: the other instance takes them on its next renewal.
        await leasesB.ReleaseAsync("b");
        Assert.Equal(16, (await leasesA.RenewAsync("a")).Held.Count);
    }

    [Fact]
    public async Task Leases_OverThreeInstances_SettleAtSixFiveFive_AndCoverEveryPartitionOnce()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var schema = postgres.NewSchema();
        var opened = new[] { "a", "b", "c" }.Select(name => (Name: name, Open: Open(time, schema))).ToList();
        try
        {
            var held = new Dictionary<string, IReadOnlyCollection<int>>();
            for (var round = 0; round < 4; round++)
            {
                foreach (var (name, (_, leases)) in opened)
                {
                    held[name] = (await leases.RenewAsync(name)).Held.Keys.ToList();
                }

                time.Advance(Ttl / 3);
            }

            Assert.Equal([6, 5, 5], new[] { "a", "b", "c" }.Select(n => held[n].Count));
            Assert.Equal(Enumerable.Range(0, 16), held.Values.SelectMany(p => p).Order());
        }
        finally
        {
            foreach (var (_, (provider, _)) in opened)
            {
                provider.Dispose();
            }
        }
    }

    [Fact]
    public async Task DecisionLock_SerialisesHoldersAcrossConnections()
    {
        var time = new FakeTimeProvider();
        var (provider, _) = Open(time);
        using var _p = provider;
        var decisions = new PostgresDecisionLock(provider.Database);

        var first = await decisions.AcquireAsync();
        var second = decisions.AcquireAsync().AsTask();
        var order = new List<string>();
        var waiting = Task.Run(async () =>
        {
            await using var held = await second;
            lock (order)
            {
                order.Add("second");
            }
        });

        lock (order)
        {
            order.Add("first");
        }

        Assert.False(second.IsCompleted);
        await first.DisposeAsync();
        await waiting;
        Assert.Equal(["first", "second"], order);
    }
}
