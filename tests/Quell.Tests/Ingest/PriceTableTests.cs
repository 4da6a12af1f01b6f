using Quell.Calls;
using Quell.Pricing;

namespace Quell.Tests.Ingest;

public sealed class PriceTableTests
{
    [Theory]
    [InlineData("gpt-4o-mini-2024-07-18", 0.15)]
    [InlineData("gpt-4o-2024-08-06", 2.50)]
    [InlineData("openai/gpt-4o", 2.50)]
    [InlineData("claude-3-5-sonnet-20241022", 3.00)]
    [InlineData("GPT-4O-MINI", 0.15)]
    public void Find_DatedOrPrefixedModelNames_PricedAsTheirFamily(string model, double inputPerMillion) =>
        Assert.Equal(inputPerMillion, PriceTable.Create().Find(model)!.InputPerMillion);

    [Fact]
    public void Find_UnknownModel_ReturnsNull() => Assert.Null(PriceTable.Create().Find("gpt-4o-turbo-ultra-x"[..3] + "z"));

    [Fact]
    public void Apply_Override_WinsOverBuiltIn()
    {
        var table = PriceTable.Create(new Dictionary<string, ModelPrice> { ["gpt-4o"] = new(1, 2) });
        var call = table.Apply(new CallRecord { Id = "x", Timestamp = default, Model = "gpt-4o", InputTokens = 1_000_000, OutputTokens = 1_000_000 });
        Assert.Equal(3, call.CostUsd);
        Assert.Equal(CostSource.PriceTable, call.CostSource);
    }

    [Fact]
    public void Apply_ReportedCost_IsKept()
    {
        var call = PriceTable.Create().Apply(new CallRecord { Id = "x", Timestamp = default, Model = "gpt-4o", CostUsd = 0.42, InputTokens = 5 });
        Assert.Equal(0.42, call.CostUsd);
        Assert.Equal(CostSource.Reported, call.CostSource);
    }

    [Theory]
    [InlineData("429", ErrorTypes.RateLimited)]
    [InlineData("HTTP 503: upstream", ErrorTypes.ServerError)]
    [InlineData("504 Gateway Timeout", ErrorTypes.Timeout)]
    [InlineData("RateLimitError", ErrorTypes.RateLimited)]
    [InlineData("Request timed out.", ErrorTypes.Timeout)]
    [InlineData("content_filter", ErrorTypes.ContentFilter)]
    [InlineData("overloaded_error", ErrorTypes.ServerError)]
    public void ErrorTypes_Normalize_MapsVendorSpellings(string raw, string expected) => Assert.Equal(expected, ErrorTypes.Normalize(raw));
}
