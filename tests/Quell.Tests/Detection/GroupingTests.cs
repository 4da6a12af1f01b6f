using Quell.Alerts;
using Quell.Detection;
using Quell.Incidents;
using Quell.Server.Incidents;
using Quell.Tests.Incidents;

namespace Quell.Tests.Detection;

/// <summary>Alerts group as responders think: one vendor incident per provider, one quality incident per feature and change.</summary>
public sealed class GroupingTests
{
    private static readonly DateTimeOffset T0 = IncidentHarness.Start;

    [Fact]
    public void Bridge_VendorErrorsAndLatency_OneIncidentNamedAfterTheVendor()
    {
        var errors = Draft(AlertSignals.ErrorRate, "doc_search", new() { ["error_type"] = "rate_limited" }, []);
        var latency = Draft(AlertSignals.LatencyP95, "support_chat", [], [new AttributionFactor("region", "us-east", 0.9, 2)]);
        var ownChange = Draft(AlertSignals.LatencyP95, "support_chat", [], [new AttributionFactor("prompt_version", "v13", 0.9, 2)]);
        var contentFilter = Draft(AlertSignals.ErrorRate, "doc_search", new() { ["error_type"] = "content_filter" }, []);
        Assert.True(AlertIncidentBridge.IsVendorSide(errors));
        Assert.True(AlertIncidentBridge.IsVendorSide(latency));
        Assert.False(AlertIncidentBridge.IsVendorSide(ownChange));
        Assert.False(AlertIncidentBridge.IsVendorSide(contentFilter));

        var harness = new IncidentHarness();
        var first = harness.Ingest(Signal(errors, "latency", vendor: true))!;
        harness.Advance(TimeSpan.FromMinutes(3));
        var second = harness.Ingest(Signal(latency, "latency", vendor: true))!;
        Assert.Equal(first.Incident.Id, second.Incident.Id);
        Assert.Equal(2, second.Incident.Alerts.Count);
        Assert.True(second.Incident.VendorOutage);
        Assert.Equal("anthropic", second.Incident.Provider);
    }

    [Fact]
    public void Manager_FeedbackDaysAfterEvalDrift_JoinsTheFeaturesQualityIncident()
    {
        var harness = new IncidentHarness();
        var drift = Draft(AlertSignals.QualityDrift, "summarizer", new() { ["suite"] = "golden" }, [], AlertCategory.Quality);
        var first = harness.Ingest(Signal(drift, "quality", vendor: false))!;
        harness.Advance(TimeSpan.FromHours(40), TimeSpan.FromMinutes(10));
        var feedback = Draft(AlertSignals.NegativeFeedbackRate, "summarizer", [], [], AlertCategory.Quality);
        var second = harness.Ingest(Signal(feedback, "quality", vendor: false))!;
        Assert.Equal(first.Incident.Id, second.Incident.Id);
    }

    private static Alert Draft(string signal, string feature, Dictionary<string, string> extra, List<AttributionFactor> factors, AlertCategory category = AlertCategory.Latency)
    {
        var labels = new Dictionary<string, string>(extra) { ["feature"] = feature, ["provider"] = "anthropic", ["model"] = "claude", ["operation"] = "chat" };
        return AlertDraft.Create(category, signal, labels, 2, 1, T0, T0, [], new Attribution("moved", factors), $"{signal} moved", AlertSeverityHint.High);
    }

    private static IncidentSignal Signal(Alert a, string category, bool vendor) => new()
    {
        AlertId = a.Id,
        Fingerprint = a.Fingerprint,
        Category = category,
        Signal = a.Signal,
        Labels = a.Labels,
        Summary = a.Summary,
        FiredAt = a.FiredAt,
        VendorOutage = vendor,
        TotalTenants = 5,
        TotalCalls = 1000,
        AffectedCalls = 100,
    };
}
