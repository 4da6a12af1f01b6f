using Microsoft.Extensions.Time.Testing;
using Quell.Incidents;
using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;
using Quell.Server.Incidents;
using Quell.Server.Notifications;
using Quell.Storage.Postgres;
using Quell.Tests.Incidents;

namespace Quell.Tests.Storage;

/// <summary>Incident services over one PostgreSQL schema, as several instances run them, deciding at the same time.</summary>
public sealed class SharedIncidentDecisionTests(PostgresStorageFixture postgres) : IClassFixture<PostgresStorageFixture>
{
    [Fact]
    public async Task TwoInstances_SameAlertsAndTicksAtOnce_DecideExactlyAsOneInstance()
    {
        var alone = await RunAsync(instances: 1);
        var together = await RunAsync(instances: 2);

        Assert.Equal(12, together.Count);
        Assert.All(together.Values, t => Assert.Single(t.Timeline, e => e.StartsWith(TimelineKinds.Detected, StringComparison.Ordinal)));
        Assert.Contains(together.Values, t => t.Timeline.Any(e => e.StartsWith(TimelineKinds.Escalation, StringComparison.Ordinal)));
        Assert.Equal(alone.Keys.Order(StringComparer.Ordinal), together.Keys.Order(StringComparer.Ordinal));
        foreach (var (feature, expected) in alone)
        {
            Assert.Equal(expected.Timeline, together[feature].Timeline);
            Assert.Equal(expected.Outbox, together[feature].Outbox);
        }
    }

    // Every instance raises the same twelve alerts (one per feature) at the same moment, three times over, then all
    // their clocks tick through twenty minutes of escalation policy together. Per feature: timeline and outbox.
    private async Task<Dictionary<string, (List<string> Timeline, List<string> Outbox)>> RunAsync(int instances)
    {
        var time = new FakeTimeProvider(IncidentHarness.Start);
        var schema = postgres.NewSchema();
        var providers = Enumerable.Range(0, instances).Select(_ => new PostgresStorageProvider(schema, time)).ToList();
        var services = providers.Select(p => new IncidentService(
            p.Incidents,
            new IncidentManager(new IncidentPolicy(), OnCallDirectory.Default, time),
            new NotificationDispatcher(p.Outbox, [], new DeliveryPolicy(), time, new Random(7)),
            decisionLock: new PostgresDecisionLock(p.Database))).ToList();
        try
        {
            for (var round = 0; round < 3; round++)
            {
                await Task.WhenAll(Enumerable.Range(0, 12).SelectMany(i => services.Select(s => Task.Run(() =>
                    s.IngestSignalAsync(IncidentHarness.Signal(fingerprint: $"fp-{i}", feature: $"feature-{i}", category: "latency", signal: "latency_p95", affectedTenants: 40))))));
            }

            for (var s = 0; s < 40; s++)
            {
                time.Advance(TimeSpan.FromSeconds(30));
                await Task.WhenAll(services.Select(i => Task.Run(() => i.TickAsync())));
            }

            var store = providers[0];
            var result = new Dictionary<string, (List<string>, List<string>)>(StringComparer.Ordinal);
            foreach (var incident in await store.Incidents.ListAsync(new IncidentQuery(Limit: 100)))
            {
                var timeline = (await store.Incidents.TimelineAsync(incident.Id)).Select(t => $"{t.Kind} {t.At:O} {t.Message.Replace(incident.Id, "ID", StringComparison.Ordinal)}").ToList();
                var outbox = (await store.Outbox.ForIncidentAsync(incident.Id)).Select(o => $"{o.Notification.Channel} {o.Notification.Message.Action} {o.Notification.Message.Recipient} {o.Notification.CreatedAt:O}").Order(StringComparer.Ordinal).ToList();
                Assert.True(result.TryAdd(incident.Labels["feature"], (timeline, outbox)), $"a second incident for {incident.Labels["feature"]}");
            }

            return result;
        }
        finally
        {
            foreach (var s in services)
            {
                s.Dispose();
            }

            foreach (var p in providers)
            {
                p.Dispose();
            }
        }
    }
}
