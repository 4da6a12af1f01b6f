using Microsoft.Extensions.Time.Testing;
using Quell.Incidents;
using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;

namespace Quell.Tests.Incidents;

/// <summary>An incident manager over an in-memory store on a fake clock, applying every change like the server does.</summary>
public sealed class IncidentHarness
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private int _ids;

    public IncidentHarness(IncidentPolicy? policy = null, OnCallDirectory? onCall = null)
    {
        Manager = new IncidentManager(policy ?? new IncidentPolicy(), onCall ?? OnCallDirectory.Default, Time, _ => $"inc-{++_ids}");
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public InMemoryIncidentStore Store { get; } = new();

    public IncidentManager Manager { get; }

    public List<Silence> Silences { get; } = [];

    public List<Notification> Sent { get; } = [];

    public IncidentChange? Ingest(IncidentSignal signal)
    {
        var change = Manager.Ingest(signal, Open(), Silences);
        if (change is not null)
        {
            Apply(change);
        }

        return change;
    }

    public IReadOnlyList<IncidentChange> Tick()
    {
        var changes = Manager.Tick(Open(), Silences);
        foreach (var c in changes)
        {
            Apply(c);
        }

        return changes;
    }

    /// <summary>Moves the clock forward in small steps, ticking as the server's clock would.</summary>
    public void Advance(TimeSpan by, TimeSpan? step = null)
    {
        var end = Time.GetUtcNow() + by;
        var s = step ?? TimeSpan.FromSeconds(1);
        while (Time.GetUtcNow() < end)
        {
            var next = Time.GetUtcNow() + s;
            Time.SetUtcNow(next < end ? next : end);
            Tick();
        }
    }

    public IncidentChange Run(string id, Func<IncidentManager, Incident, CommandResult> command)
    {
        var result = command(Manager, Get(id));
        Assert.True(result.Ok, result.Refusal?.Message);
        Apply(result.Change!);
        return result.Change!;
    }

    public CommandResult Try(string id, Func<IncidentManager, Incident, CommandResult> command)
    {
        var result = command(Manager, Get(id));
        if (result.Change is not null)
        {
            Apply(result.Change);
        }

        return result;
    }

    public Incident Get(string id) => Store.GetAsync(id).GetAwaiter().GetResult()!;

    public IReadOnlyList<Incident> All() => Store.ListAsync(new IncidentQuery(Limit: 1000)).GetAwaiter().GetResult();

    public IReadOnlyList<TimelineEntry> Timeline(string id) => Store.TimelineAsync(id).GetAwaiter().GetResult();

    /// <summary>Personal pages (trigger notifications with a recipient), in order, as "user@channel".</summary>
    public List<string> Pages() => Sent.Where(n => n.Message.Action == NotificationAction.Trigger && n.Message.Recipient is not null)
        .Select(n => $"{n.Message.Recipient}@{n.Channel}").ToList();

    public static IncidentSignal Signal(string fingerprint = "fp-1", string category = "quality", string feature = "support_chat", int affectedTenants = 1, int totalTenants = 100, long affectedCalls = 10, long totalCalls = 10_000, string? provider = null, bool outage = false, SignalState state = SignalState.Firing, string signal = "eval_pass_rate")
    {
        var labels = new Dictionary<string, string> { ["feature"] = feature, ["alertname"] = $"{category}_{signal}" };
        if (provider is not null)
        {
            labels["provider"] = provider;
        }

        return new IncidentSignal
        {
            AlertId = $"{fingerprint}-{Guid.NewGuid():N}",
            Fingerprint = fingerprint,
            Category = category,
            Signal = signal,
            Labels = labels,
            Summary = $"{category} {signal} on {feature}",
            Attribution = "prompt v12 deployed 10:02",
            FiredAt = Start,
            OnsetEstimate = Start.AddMinutes(-3),
            State = state,
            AffectedTenants = Enumerable.Range(0, affectedTenants).Select(i => $"t{i}").ToList(),
            TotalTenants = totalTenants,
            AffectedCalls = affectedCalls,
            TotalCalls = totalCalls,
            VendorOutage = outage,
            ExampleCallIds = ["call-1", "call-2"],
        };
    }

    private IReadOnlyList<Incident> Open() => Store.OpenAsync().GetAwaiter().GetResult();

    private void Apply(IncidentChange change)
    {
        Store.ApplyAsync([change]).GetAwaiter().GetResult();
        Sent.AddRange(change.Notifications);
    }
}
