using Quell.Scanning.Injection;

namespace Quell.Tests.Scanning;

public sealed class InjectionCampaignDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Observe_BurstFromManyUsers_RaisesManyUsersCampaign()
    {
        var detector = new InjectionCampaignDetector();
        InjectionCampaign? campaign = null;
        for (var i = 0; i < 12 && campaign is null; i++)
        {
            campaign = detector.Observe(new InjectionObservation(T0.AddSeconds(30 * i), "acme", "user-" + (i % 4), Flagged: true));
        }

        Assert.NotNull(campaign);
        Assert.Equal(CampaignReason.ManyUsers, campaign.Reason);
        Assert.Equal("acme", campaign.Tenant);
        Assert.Equal(10, campaign.FlaggedCount);
        Assert.Equal(4, campaign.Users.Count);
    }

    [Fact]
    public void Observe_SameUserFlaggedRepeatedly_RaisesSingleUserCampaign()
    {
        var detector = new InjectionCampaignDetector();
        var campaigns = Enumerable.Range(0, 5).Select(i => detector.Observe(new InjectionObservation(T0.AddMinutes(i), "acme", "mallory", true))).ToArray();
        Assert.All(campaigns[..4], Assert.Null);
        Assert.Equal(CampaignReason.SingleUser, campaigns[4]!.Reason);
        Assert.Equal(["mallory"], campaigns[4]!.Users);
    }

    [Fact]
    public void Observe_FlaggedSpreadOverHours_NoCampaign()
    {
        var detector = new InjectionCampaignDetector();
        for (var i = 0; i < 40; i++)
        {
            Assert.Null(detector.Observe(new InjectionObservation(T0.AddMinutes(20 * i), "acme", "user-" + i, true)));
        }
    }

    [Fact]
    public void Observe_HighBaseline_SameBurstIsNotAnomalous()
    {
        var options = new InjectionCampaignOptions { SingleUserMinFlagged = 1000 };
        var detector = new InjectionCampaignDetector(options);

        // A tenant whose users trip the filter all day (a security-training product, say) has a high baseline.
        for (var minute = 0; minute < 23 * 60; minute += 1)
        {
            detector.Observe(new InjectionObservation(T0.AddMinutes(minute), "redteam-lab", "user-" + (minute % 7), true));
        }

        var later = T0.AddHours(23);
        var raised = Enumerable.Range(0, 12).Select(i => detector.Observe(new InjectionObservation(later.AddSeconds(i), "redteam-lab", "user-" + (i % 5), true))).ToArray();
        Assert.All(raised, Assert.Null);
    }

    [Fact]
    public void Observe_AfterCampaign_QuietForOneWindow()
    {
        var detector = new InjectionCampaignDetector();
        var raised = Enumerable.Range(0, 30).Select(i => detector.Observe(new InjectionObservation(T0.AddSeconds(10 * i), "acme", "u" + (i % 5), true))).Count(c => c is not null);
        Assert.Equal(1, raised);
    }
}
