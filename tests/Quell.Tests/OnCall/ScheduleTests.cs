using Quell.OnCall;

namespace Quell.Tests.OnCall;

public sealed class ScheduleTests
{
    private static OnCallSchedule Weekly(string tz, string start, params string[] people) => new()
    {
        Name = "primary",
        TimeZone = TimeZoneInfo.FindSystemTimeZoneById(tz),
        Layers = [new RotationLayer { Name = "weekly", Participants = people, HandoffDay = DayOfWeek.Monday, HandoffTime = new TimeOnly(9, 0), Start = DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture) }],
    };

    [Fact]
    public void WhoIsOnCall_BerlinWeekAcrossSpringForward_HandoffStaysAtNineLocal()
    {
        // Europe/Berlin moves to CEST on Sunday 2026-03-29: 09:00 local is 08:00Z before and 07:00Z after.
        var s = Weekly("Europe/Berlin", "2026-03-23", "alice", "bob");
        Assert.Equal("alice", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-23T08:00:00Z"))!.User);
        Assert.Equal("bob", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-23T07:59:59Z"))!.User);
        Assert.Equal("alice", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-30T06:59:59Z"))!.User);
        var after = OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-30T07:00:00Z"))!;
        Assert.Equal("bob", after.User);
        Assert.Equal(DateTimeOffset.Parse("2026-03-30T07:00:00Z"), after.From);
        Assert.Equal(DateTimeOffset.Parse("2026-04-06T07:00:00Z"), after.To);
    }

    [Fact]
    public void WhoIsOnCall_BerlinWeekAcrossFallBack_ShiftIsAnHourLonger()
    {
        // CEST ends on Sunday 2026-10-25: the shift from Mon 19 Oct 09:00 CEST to Mon 26 Oct 09:00 CET lasts 169 hours.
        var s = Weekly("Europe/Berlin", "2026-01-05", "alice", "bob", "carol");
        var shift = OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-10-25T12:00:00Z"))!;
        Assert.Equal(DateTimeOffset.Parse("2026-10-19T07:00:00Z"), shift.From);
        Assert.Equal(DateTimeOffset.Parse("2026-10-26T08:00:00Z"), shift.To);
        Assert.Equal(TimeSpan.FromHours(169), shift.To - shift.From);
        var next = OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-10-26T08:00:00Z"))!;
        Assert.NotEqual(shift.User, next.User);
        Assert.Equal(shift.User, OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-10-26T07:59:59Z"))!.User);
    }

    [Fact]
    public void WhoIsOnCall_NewYorkAcrossSpringAndFallTransitions_HandoffAtNineLocal()
    {
        // America/New_York: DST starts Sunday 2026-03-08 and ends Sunday 2026-11-01.
        var s = Weekly("America/New_York", "2026-03-02", "alice", "bob");
        Assert.Equal("alice", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-09T12:59:59Z"))!.User);
        Assert.Equal("bob", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-09T13:00:00Z"))!.User);

        // 2026-11-02 is 35 weeks after 2026-03-02: bob's turn, from 09:00 EST = 14:00Z.
        Assert.Equal("alice", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-11-02T13:59:59Z"))!.User);
        var fall = OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-11-02T14:00:00Z"))!;
        Assert.Equal("bob", fall.User);
        Assert.Equal(DateTimeOffset.Parse("2026-10-26T13:00:00Z"), OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-11-01T12:00:00Z"))!.From);
    }

    [Fact]
    public void WhoIsOnCall_OverrideInsideShift_OverrideUserThenBackToRotation()
    {
        var s = Weekly("Europe/Berlin", "2026-03-23", "alice", "bob") with
        {
            Overrides = [new OnCallOverride("carol", DateTimeOffset.Parse("2026-03-24T18:00:00Z"), DateTimeOffset.Parse("2026-03-25T06:00:00Z"))],
        };
        Assert.Equal("alice", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-24T17:59:59Z"))!.User);
        var o = OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-24T18:00:00Z"))!;
        Assert.Equal(("carol", "override"), (o.User, o.Source));
        Assert.Equal("alice", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-25T06:00:00Z"))!.User);
    }

    [Fact]
    public void WhoIsOnCall_HigherLayerWithWindow_WinsOnlyInsideWindow()
    {
        var s = Weekly("Europe/Berlin", "2026-03-23", "alice", "bob") with { };
        s = s with
        {
            Layers = [.. s.Layers, new RotationLayer { Name = "business hours", Participants = ["dave"], ActiveFrom = new TimeOnly(9, 0), ActiveTo = new TimeOnly(17, 0), Start = new DateOnly(2026, 3, 23) }],
        };
        Assert.Equal("dave", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-24T10:00:00Z"))!.User);
        Assert.Equal("alice", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-24T20:00:00Z"))!.User);
    }

    [Fact]
    public void WhoIsOnCall_BeforeRotationStart_StillRotatesBackwards()
    {
        var s = Weekly("UTC", "2026-03-23", "alice", "bob", "carol");
        Assert.Equal("carol", OnCallResolver.WhoIsOnCall(s, DateTimeOffset.Parse("2026-03-20T12:00:00Z"))!.User);
    }
}
