namespace Quell.OnCall;

/// <summary>Answers who is on call for a schedule at an instant; DST-correct because handoffs are computed in local dates.</summary>
public static class OnCallResolver
{
    public static OnCallShift? WhoIsOnCall(OnCallSchedule schedule, DateTimeOffset at)
    {
        for (var i = schedule.Overrides.Count - 1; i >= 0; i--)
        {
            var o = schedule.Overrides[i];
            if (at >= o.From && at < o.To)
            {
                return new OnCallShift(o.User, schedule.Name, "override", o.From, o.To);
            }
        }

        for (var i = schedule.Layers.Count - 1; i >= 0; i--)
        {
            if (Shift(schedule, schedule.Layers[i], at) is { } shift)
            {
                return shift;
            }
        }

        return null;
    }

    /// <summary>The shift of one layer at an instant, or null when the layer has nobody then.</summary>
    public static OnCallShift? Shift(OnCallSchedule schedule, RotationLayer layer, DateTimeOffset at)
    {
        if (layer.Participants.Count == 0)
        {
            return null;
        }

        var tz = schedule.TimeZone;
        var local = TimeZoneInfo.ConvertTime(at, tz);
        if (!InWindow(layer, TimeOnly.FromDateTime(local.DateTime)))
        {
            return null;
        }

        var localDate = DateOnly.FromDateTime(local.DateTime);
        var handoffDate = localDate.AddDays(-DaysSince(localDate.DayOfWeek, layer.HandoffDay));
        if (ToInstant(tz, handoffDate, layer.HandoffTime) > at)
        {
            handoffDate = handoffDate.AddDays(-7);
        }

        var anchor = layer.Start.AddDays(-DaysSince(layer.Start.DayOfWeek, layer.HandoffDay));
        var weeks = (handoffDate.DayNumber - anchor.DayNumber) / 7;
        var n = layer.Participants.Count;
        var index = ((weeks % n) + n) % n;
        return new OnCallShift(
            layer.Participants[index],
            schedule.Name,
            layer.Name,
            ToInstant(tz, handoffDate, layer.HandoffTime),
            ToInstant(tz, handoffDate.AddDays(7), layer.HandoffTime));
    }

    /// <summary>The instant a local wall-clock time happens: skipped times move past the gap, repeated times take the first occurrence.</summary>
    public static DateTimeOffset ToInstant(TimeZoneInfo tz, DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        for (var i = 0; i < 4 && tz.IsInvalidTime(local); i++)
        {
            local = local.AddMinutes(30);
        }

        var offset = tz.IsAmbiguousTime(local) ? tz.GetAmbiguousTimeOffsets(local).Max() : tz.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }

    private static int DaysSince(DayOfWeek day, DayOfWeek handoff) => ((int)day - (int)handoff + 7) % 7;

    private static bool InWindow(RotationLayer layer, TimeOnly time)
    {
        if (layer.ActiveFrom is not { } from || layer.ActiveTo is not { } to)
        {
            return true;
        }

        return from <= to ? time >= from && time < to : time >= from || time < to;
    }
}
