namespace Quell.Alerts;

/// <summary>
/// One dimension value that explains an alert: <see cref="Share"/> is the fraction of the anomalous excess
/// carried by calls with this value, <see cref="Ratio"/> how far this value's metric moved from its baseline.
/// </summary>
public sealed record AttributionFactor(string Dimension, string Value, double Share, double Ratio)
{
    /// <summary>Fraction of recent traffic carrying this value (0..1).</summary>
    public double RecentTrafficShare { get; init; }

    /// <summary>Fraction of baseline traffic carrying this value (0..1); near zero means the value is new.</summary>
    public double BaselineTrafficShare { get; init; }
}

/// <summary>What changed: a sentence for people plus the factors behind it.</summary>
public sealed record Attribution(string Sentence, IReadOnlyList<AttributionFactor> Factors)
{
    /// <summary>An attribution that names nothing.</summary>
    public static Attribution None { get; } = new("no single dimension value explains the change", []);
}
