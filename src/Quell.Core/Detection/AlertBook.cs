using System.Globalization;
using Quell.Alerts;

namespace Quell.Detection;

/// <summary>
/// The engine's open alerts keyed by fingerprint: deduplicates re-fires of a firing alert, pairs resolutions
/// with the alert they close, and queues the resulting events in order.
/// </summary>
internal sealed class AlertBook
{
    private readonly Dictionary<string, Alert> _active = new(StringComparer.Ordinal);
    private readonly List<AlertEvent> _pending = [];

    public event Action<AlertEvent>? Changed;

    public IReadOnlyCollection<Alert> Active => _active.Values;

    public void Fire(Alert alert)
    {
        if (_active.ContainsKey(alert.Fingerprint))
        {
            return;
        }

        _active[alert.Fingerprint] = alert;
        Emit(new AlertEvent(AlertEventKind.Fired, alert, alert.FiredAt));
    }

    public void Resolve(string fingerprint, DateTimeOffset at)
    {
        if (!_active.Remove(fingerprint, out var alert))
        {
            return;
        }

        var resolved = alert with { State = AlertState.Resolved, ResolvedAt = at };
        Emit(new AlertEvent(AlertEventKind.Resolved, resolved, at));
    }

    public IReadOnlyList<AlertEvent> Drain()
    {
        if (_pending.Count == 0)
        {
            return [];
        }

        var events = _pending.ToArray();
        _pending.Clear();
        return events;
    }

    /// <summary>Deterministic id: the fingerprint plus the firing second.</summary>
    public static string IdFor(string fingerprint, DateTimeOffset firedAt) =>
        string.Create(CultureInfo.InvariantCulture, $"al-{fingerprint}-{firedAt.ToUnixTimeSeconds()}");

    private void Emit(AlertEvent e)
    {
        _pending.Add(e);
        Changed?.Invoke(e);
    }
}
