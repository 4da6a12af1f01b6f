namespace Quell.Detection.Statistics;

/// <summary>
/// A baseline that knows the daily cycle: one <see cref="RobustEwma"/> per hour of day (optionally per hour of
/// week) plus a global one used until an hour slot has seen enough data.
/// </summary>
public sealed class RobustSeasonalBaseline
{
    private readonly RobustEwma[] _slots;
    private readonly bool _weekly;
    private readonly double _alpha;
    private readonly double _globalAlpha;
    private readonly int _minSlotSamples;
    private readonly int _warmupSamples;
    private const double ResidualAlpha = 0.005;
    private RobustEwma _global;
    private RobustEwma _residuals;

    /// <param name="alpha">Smoothing of an hour slot per update.</param>
    /// <param name="globalAlpha">Smoothing of the all-hours estimate.</param>
    /// <param name="minSlotSamples">Updates an hour slot needs before it replaces the global estimate.</param>
    /// <param name="warmupSamples">Updates needed before <see cref="IsWarm"/>.</param>
    /// <param name="weekly">Profile by hour of week instead of hour of day.</param>
    public RobustSeasonalBaseline(double alpha = 0.05, double globalAlpha = 0.02, int minSlotSamples = 8, int warmupSamples = 30, bool weekly = false)
    {
        _weekly = weekly;
        _slots = new RobustEwma[weekly ? 168 : 24];
        _alpha = alpha;
        _globalAlpha = globalAlpha;
        _minSlotSamples = minSlotSamples;
        _warmupSamples = warmupSamples;
    }

    public bool IsWarm => _global.Count >= _warmupSamples;

    public long Count => _global.Count;

    public void Update(DateTimeOffset at, double x, double clip = 3.0, double scaleFloor = 0)
    {
        _global.Update(x, _globalAlpha, clip, scaleFloor);
        ref var slot = ref _slots[SlotOf(at)];
        if (slot.Count >= _minSlotSamples)
        {
            _residuals.Update(x - slot.Center, ResidualAlpha, 3, scaleFloor);
        }

        slot.Update(x, _alpha, clip, scaleFloor);
    }

    /// <summary>Expected centre and robust spread at <paramref name="at"/>.</summary>
    public (double Center, double Scale) Expected(DateTimeOffset at)
    {
        ref readonly var slot = ref _slots[SlotOf(at)];
        if (slot.Count >= _minSlotSamples)
        {
            // Noise around the hourly level is pooled over all hours: a slot's own spread, learned from a few
            // recent updates, is too often optimistic.
            var scale = _residuals.Count >= _minSlotSamples ? _residuals.Scale : Math.Max(slot.Scale, _global.Scale);
            return (slot.Center, scale);
        }

        return (_global.Center, _global.Scale);
    }

    /// <summary>Moves every estimate by <paramref name="delta"/>: the series has settled at a new level.</summary>
    public void Shift(double delta)
    {
        _global.Shift(delta);
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i].Shift(delta);
        }
    }

    private int SlotOf(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return _weekly ? ((int)utc.DayOfWeek * 24) + utc.Hour : utc.Hour;
    }
}
