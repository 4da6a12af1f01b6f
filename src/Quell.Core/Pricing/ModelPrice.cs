namespace Quell.Pricing;

/// <summary>US dollars per one million tokens of each kind.</summary>
public sealed record ModelPrice(double InputPerMillion, double OutputPerMillion, double? CachedInputPerMillion = null)
{
    /// <summary>For configuration binding.</summary>
    public ModelPrice()
        : this(0, 0)
    {
    }

    public double Cost(long inputTokens, long outputTokens, long cachedInputTokens)
    {
        var cached = Math.Min(cachedInputTokens, inputTokens);
        var cachedRate = CachedInputPerMillion ?? InputPerMillion;
        return ((inputTokens - cached) * InputPerMillion + cached * cachedRate + outputTokens * OutputPerMillion) / 1_000_000d;
    }
}
