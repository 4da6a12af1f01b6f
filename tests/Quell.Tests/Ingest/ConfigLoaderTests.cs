using Quell.Configuration;
using Quell.Incidents;
using Quell.Ingest;
using Quell.Yaml;

namespace Quell.Tests.Ingest;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void Parse_FullFile_ReadsFeaturesPricesAndLimits()
    {
        var config = ConfigLoader.Parse("""
            features:
              support_chat:
                audience: customer_facing
                content: hash
                retention_days: 7
              summarizer:
                audience: internal
                content: drop
            prices:
              my-finetune:
                input_per_million: 1.5
                output_per_million: 3
            limits:
              max_body_bytes: 1048576
              max_future_skew: 5m
            queue:
              capacity: 1000
            """);
        Assert.Equal(ContentPolicy.Hash, config.Features["support_chat"].Content);
        Assert.Equal(7, config.Features["support_chat"].RetentionDays);
        Assert.Equal(FeatureAudience.Internal, config.Features["summarizer"].Audience);
        Assert.Equal(1.5, config.Prices["my-finetune"].InputPerMillion);
        Assert.Equal(TimeSpan.FromMinutes(5), config.Limits.MaxFutureSkew);
        Assert.Equal(1000, config.Queue.Capacity);
        Assert.Equal(FeatureAudience.CustomerFacing, config.FeatureOrDefault("unknown").Audience);
    }

    [Fact]
    public void Parse_PartialNestedSection_KeepsTheDefaultsItsParentGivesTheOtherKeys()
    {
        var config = ConfigLoader.Parse("""
            detection:
              latency:
                p99: { min_ratio: 2.0 }
              cost:
                cost_per_call: { min_samples: 50 }
              errors:
                slo_target: 0.995
            """);
        var defaults = new Quell.Detection.DetectionRules();

        Assert.Equal(2.0, config.Detection.Latency.P99.MinRatio);
        Assert.Equal(defaults.Latency.P99.MinSamples, config.Detection.Latency.P99.MinSamples);
        Assert.Equal(300, config.Detection.Latency.P99.MinSamples);
        Assert.Equal(50, config.Detection.Cost.CostPerCall.MinSamples);
        Assert.Equal(1.3, config.Detection.Cost.CostPerCall.MinRatio);
        Assert.Equal(1.1, config.Detection.Cost.CostPerCall.ResolveRatio);
        Assert.Equal(0.995, config.Detection.Errors.SloTarget);
        Assert.Equal(defaults.Errors.Windows, config.Detection.Errors.Windows);
        Assert.Equal(defaults.Latency.P95, config.Detection.Latency.P95);
    }

    [Fact]
    public void Parse_Empty_GivesDefaults() => Assert.Equal(20L * 1024 * 1024, ConfigLoader.Parse(string.Empty).Limits.MaxBodyBytes);

    [Fact]
    public void Parse_BadValue_NamesLineAndField()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("queue:\n  capacity: -1\n"));
        Assert.Contains("queue.capacity", ex.Message, StringComparison.Ordinal);
        var typo = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("features:\n  chat:\n    content: shred\n"));
        Assert.Contains("line 3", typo.Message, StringComparison.Ordinal);
    }
}
