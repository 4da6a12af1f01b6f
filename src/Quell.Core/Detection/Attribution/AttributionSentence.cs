using System.Globalization;
using System.Text;
using Quell.Alerts;

namespace Quell.Detection.Attribution;

/// <summary>Turns attribution factors into the sentence a responder reads first.</summary>
public static class AttributionSentence
{
    /// <summary>
    /// E.g. "p99 latency up 4.1× only on region eu-west (96% of the excess, 4.3× its baseline)".
    /// </summary>
    public static Alerts.Attribution Build(string headline, IReadOnlyList<AttributionFactor> factors, int maxFactors = 3)
    {
        if (factors.Count == 0)
        {
            return new Alerts.Attribution($"{headline}; spread across all values, no single dimension value explains it", []);
        }

        var named = factors.Take(maxFactors).ToList();
        var sb = new StringBuilder(headline);
        sb.Append(" only on ");
        sb.AppendJoin(", ", named.Select(f => $"{f.Dimension} {f.Value}"));
        var top = named[0];
        sb.Append(CultureInfo.InvariantCulture, $" ({top.Share:P0} of the excess");
        if (top.BaselineTrafficShare < 0.05)
        {
            sb.Append(", a value new since the baseline");
        }
        else if (double.IsFinite(top.Ratio))
        {
            sb.Append(CultureInfo.InvariantCulture, $", {top.Ratio:0.0}× its baseline");
        }

        sb.Append(')');
        return new Alerts.Attribution(sb.ToString(), named);
    }
}
