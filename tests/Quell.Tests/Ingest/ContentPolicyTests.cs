using Quell.Calls;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Pricing;

namespace Quell.Tests.Ingest;

public sealed class ContentPolicyTests
{
    private static readonly CallRecord Call = new() { Id = "c", Timestamp = DateTimeOffset.UnixEpoch, Feature = "chat", Input = "my email is a@b.c", Output = "ok", SystemPrompt = "secret" };

    [Fact]
    public void Prepare_HashPolicy_KeepsDigestNotText()
    {
        var config = new QuellConfig { Features = new Dictionary<string, FeatureConfig> { ["chat"] = new() { Content = ContentPolicy.Hash } } };
        var prepared = new CallPreparer(config.ContentPolicyOf, PriceTable.Create()).Prepare(Call);
        Assert.StartsWith("sha256:", prepared.Input, StringComparison.Ordinal);
        Assert.DoesNotContain("a@b.c", prepared.Input, StringComparison.Ordinal);
        Assert.Equal(CallPreparer.Hash("ok"), prepared.Output);
    }

    [Fact]
    public void Prepare_DropPolicy_KeepsNoContent()
    {
        var config = new QuellConfig { DefaultFeature = new FeatureConfig { Content = ContentPolicy.Drop } };
        var prepared = new CallPreparer(config.ContentPolicyOf, PriceTable.Create()).Prepare(Call);
        Assert.Null(prepared.Input);
        Assert.Null(prepared.Output);
        Assert.Null(prepared.SystemPrompt);
    }

    [Fact]
    public void Prepare_StorePolicy_KeepsText()
    {
        var prepared = new CallPreparer(new QuellConfig().ContentPolicyOf, PriceTable.Create()).Prepare(Call);
        Assert.Equal("my email is a@b.c", prepared.Input);
    }
}
