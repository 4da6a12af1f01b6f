using System.Globalization;
using Quell.Postmortems;

namespace Quell.Formatting;

/// <summary>
/// Numbers as a reader of an incident record wants them: money with enough digits to be non-zero, percentages,
/// plural forms, durations and units. Invariant culture throughout so records read the same everywhere.
/// </summary>
public static class ReadableText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"$3.18", "$1,204", "$0.0003": two decimals from a cent up, else two significant digits.</summary>
    public static string Money(double usd)
    {
        if (double.IsNaN(usd) || double.IsInfinity(usd))
        {
            return "n/a";
        }

        var sign = usd < 0 ? "-" : string.Empty;
        var a = Math.Abs(usd);
        if (a == 0)
        {
            return "$0";
        }

        if (a >= 1000)
        {
            return sign + "$" + a.ToString("#,0", Inv);
        }

        if (a >= 0.01)
        {
            return sign + "$" + a.ToString("0.00", Inv);
        }

        var decimals = Math.Clamp(1 - (int)Math.Floor(Math.Log10(a)), 2, 10);
        return sign + "$" + Math.Round(a, decimals).ToString("0.00" + new string('#', decimals - 2), Inv);
    }

    /// <summary>"23%", "0.4%", "100%": a share 0..1 as a percentage, one decimal under 1%.</summary>
    public static string Percent(double share)
    {
        if (double.IsNaN(share))
        {
            return "n/a";
        }

        var p = share * 100;
        return (p != 0 && Math.Abs(p) < 1 ? p.ToString("0.#", Inv) : p.ToString("0", Inv)) + "%";
    }

    /// <summary>"1 user", "3 users", "1,732 calls".</summary>
    public static string Count(long n, string singular, string? plural = null) =>
        n.ToString("#,0", Inv) + " " + (n == 1 ? singular : plural ?? PluralOf(singular));

    /// <summary>"17 min", "1.9 h", "2 days", "45 s".</summary>
    public static string Span(TimeSpan t)
    {
        if (t < TimeSpan.Zero)
        {
            return "-" + Span(-t);
        }

        return t.TotalDays >= 1 ? Plural(t.TotalDays, "day")
            : t.TotalHours >= 1 ? t.TotalHours.ToString("0.#", Inv) + " h"
            : t.TotalMinutes >= 1 ? t.TotalMinutes.ToString("0", Inv) + " min"
            : t.TotalSeconds.ToString("0", Inv) + " s";

        static string Plural(double v, string unit)
        {
            var text = v.ToString("0.#", Inv);
            return text + " " + (text == "1" ? unit : unit + "s");
        }
    }

    /// <summary>A figure with its unit: "5,272 ms", "2,169 tokens", "$0.0012", "22.6%".</summary>
    public static string Quantity(double value, string unit) => unit switch
    {
        "ms" => (Math.Abs(value) >= 100 ? value.ToString("#,0", Inv) : value.ToString("0.#", Inv)) + " ms",
        "usd" => Money(value),
        "share" => Percent(value),
        "tokens" => value.ToString("#,0", Inv) + " tokens",
        "calls" => value.ToString("#,0.#", Inv) + " calls",
        _ => value.ToString("#,0.###", Inv) + (unit.Length > 0 ? " " + unit : string.Empty),
    };

    /// <summary>"a, b and c".</summary>
    public static string List(IReadOnlyList<string> items, int max = 5)
    {
        if (items.Count == 0)
        {
            return string.Empty;
        }

        var shown = items.Take(max).ToList();
        var rest = items.Count - shown.Count;
        if (rest > 0)
        {
            return string.Join(", ", shown) + $" and {Count(rest, "more", "more")}";
        }

        return shown.Count == 1 ? shown[0] : string.Join(", ", shown.Take(shown.Count - 1)) + " and " + shown[^1];
    }

    /// <summary>The article that reads right before a word: "An S1", "A cost", "An abuse".</summary>
    public static string Article(string word) =>
        word.Length > 0 && ("aeiou".Contains(char.ToLowerInvariant(word[0]), StringComparison.Ordinal)
            || (word.Length > 1 && char.IsDigit(word[1]) && "FHLMNRSX".Contains(word[0], StringComparison.Ordinal))) ? "An" : "A";

    private static string PluralOf(string word) =>
        word.EndsWith('y') && word.Length > 1 && !"aeiou".Contains(word[^2], StringComparison.Ordinal) ? word[..^1] + "ies"
        : word.EndsWith('s') || word.EndsWith("sh", StringComparison.Ordinal) || word.EndsWith("ch", StringComparison.Ordinal) || word.EndsWith('x') ? word + "es"
        : word + "s";
}
