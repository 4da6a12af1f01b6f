using System.Globalization;

namespace Quell.Formatting;

/// <summary>Parses short durations as people type them: 30s, 5m, 2h, 1d, or a number of seconds.</summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var unit = text[^1];
        var (number, scale) = char.IsDigit(unit) ? (text, 1.0) : (text[..^1], unit switch
        {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86400.0,
            _ => double.NaN,
        });
        if (double.IsNaN(scale) || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0 || n > 3.65e7)
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
        }

        value = TimeSpan.FromSeconds(n * scale);
        return true;
    }
}
