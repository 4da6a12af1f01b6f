using Quell.Alerts;
using Quell.Calls;
using Quell.Detection;
using Quell.Detection.Backtest;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Quell.Tests.Detection;

public sealed class RulesAndAlertTests
{
    [Fact]
    public void DetectionRules_FromYamlSection_BindsNestedRecordsAndMaps()
    {
        const string yaml = """
            evaluation_seconds: 10
            latency:
              slo_p99_ms: 4000
              p99:
                min_ratio: 2.0
            errors:
              slo_target: 0.995
            cost:
              daily_budget_usd_by_tenant:
                acme: 250
            loops:
              max_calls_per_trace: 40
            features:
              support_chat:
                slo_p95_ms: 2500
                daily_budget_usd: 100
            """;
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();

        var rules = deserializer.Deserialize<DetectionRules>(yaml);

        Assert.Equal(4000, rules.Latency.SloP99Ms);
        Assert.Equal(2.0, rules.Latency.P99.MinRatio);
        Assert.Equal(new ShiftRules().CusumThreshold, rules.Latency.P99.CusumThreshold);
        Assert.Equal(0.995, rules.Errors.SloTarget);
        Assert.Equal(2, rules.Errors.Windows.Count);
        Assert.Equal(250, rules.Cost.DailyBudgetUsdByTenant["acme"]);
        Assert.Equal(40, rules.Loops.MaxCallsPerTrace);
        Assert.Equal(2500, rules.For("support_chat").SloP95Ms);
        Assert.Same(FeatureRules.Empty, rules.For("unknown"));
    }

    [Fact]
    public void AlertFingerprint_SameLabelsAnyOrder_IsStable()
    {
        var a = AlertFingerprint.Compute(AlertCategory.Latency, "latency_p99", new Dictionary<string, string> { ["feature"] = "x", ["model"] = "m" });
        var b = AlertFingerprint.Compute(AlertCategory.Latency, "latency_p99", new Dictionary<string, string> { ["model"] = "m", ["feature"] = "x" });
        var c = AlertFingerprint.Compute(AlertCategory.Latency, "latency_p95", new Dictionary<string, string> { ["model"] = "m", ["feature"] = "x" });
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(16, a.Length);
    }

    [Fact]
    public void CallBacktester_SameInputTwice_ProducesIdenticalEvents()
    {
        var onset = SyntheticTraffic.Start + TimeSpan.FromHours(33);
        var shape = new TrafficShape { Inject = c => c.Timestamp >= onset ? c with { LatencyMs = c.LatencyMs * 3 } : c };
        IReadOnlyList<AlertEvent> Run() => CallBacktester.Run(SyntheticTraffic.Generate(shape, SyntheticTraffic.Start, TimeSpan.FromHours(33.5), 5).ToList());

        var first = Run();
        var second = Run();
        Assert.NotEmpty(first);
        Assert.Equal(first.Select(e => (e.Kind, e.Alert.Id, e.At, e.Alert.Summary)), second.Select(e => (e.Kind, e.Alert.Id, e.At, e.Alert.Summary)));
    }

    [Fact]
    public void Engine_LoggedCall_AdvancesCursor()
    {
        var engine = new DetectionEngine();
        engine.Observe(new LoggedCall(42, new CallRecord { Id = "a", Timestamp = SyntheticTraffic.Start }));
        Assert.Equal(42, engine.LastSequence);
    }

    [Fact]
    public void Engine_AdvanceToNow_UsesInjectedTimeProvider()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(SyntheticTraffic.Start);
        var engine = new DetectionEngine(timeProvider: time);
        time.Advance(TimeSpan.FromMinutes(5));
        engine.AdvanceToNow();
        Assert.Equal(SyntheticTraffic.Start.AddMinutes(5), engine.Now);
    }

    [Fact]
    public void Engine_YearLongGap_CatchesUpWithoutStalling()
    {
        var engine = new DetectionEngine();
        engine.Observe(new CallRecord { Id = "a", Timestamp = SyntheticTraffic.Start, LatencyMs = 100 });
        engine.Observe(new CallRecord { Id = "b", Timestamp = SyntheticTraffic.Start.AddYears(1), LatencyMs = 100 });
        Assert.Equal(SyntheticTraffic.Start.AddYears(1), engine.Now);
        Assert.Empty(engine.Drain());
    }

    [Fact]
    public void DimensionBreakdown_MoreValuesThanCap_FoldsIntoOtherAndNeverNamesIt()
    {
        var breakdown = new Quell.Detection.Attribution.DimensionBreakdown(["user"], 2, maxValuesPerDimension: 4);
        for (var i = 0; i < 1000; i++)
        {
            breakdown.Record(0, $"user-{i % 100}", [1, 0]);
        }

        breakdown.Roll(0.5, 0.99, learn: true);
        for (var i = 0; i < 1000; i++)
        {
            breakdown.Record(0, $"user-{i % 100}", [1, 1]);
        }

        Assert.DoesNotContain(breakdown.Explain(1, 0, pendingOnly: false, minShare: 0.1), f => f.Value == "other");
    }

    [Theory]
    [InlineData(true, null, false)]
    [InlineData(false, null, true)]
    [InlineData(null, 0.2, true)]
    [InlineData(null, 0.9, false)]
    public void FeedbackRecord_IsNegative_ReadsThumbsOrScore(bool? thumbsUp, double? score, bool negative)
    {
        var feedback = new Quell.Detection.FeedbackRecord { CallId = "c", Timestamp = SyntheticTraffic.Start, ThumbsUp = thumbsUp, Score = score };
        Assert.Equal(negative, feedback.IsNegative(0.5));
    }

    [Fact]
    public void Validate_DefaultRules_HasNoProblems() => Assert.Empty(new DetectionRules().Validate());

    [Fact]
    public void Validate_BadSloAndWindows_NamesTheKeys()
    {
        var rules = new DetectionRules
        {
            Errors = new ErrorRules { SloTarget = 99, Windows = [new BurnRateWindow { LongMinutes = 5, ShortMinutes = 60 }] },
            Attribution = new AttributionRules { Dimensions = ["colour"] },
        };

        var problems = rules.Validate();

        Assert.Contains(problems, p => p.Contains("errors.slo_target", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("errors.windows", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'colour'", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new DetectionEngine(rules));
    }
}
