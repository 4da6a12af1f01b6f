using System.Globalization;

namespace Quell.Server;

/// <summary>Reads RFC 3339 times from query parameters.</summary>
public static class QueryTime
{
    /// <summary>The parameter's time, or null when absent; false with a message naming it when present but not a time.</summary>
    public static bool TryRead(HttpRequest request, string name, out DateTimeOffset? value, out string? error)
    {
        value = null;
        error = null;
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            value = t;
            return true;
        }

        error = $"query parameter '{name}' is not an RFC 3339 time: '{text}'";
        return false;
    }

    /// <summary>The parameter's time, or null when absent or unreadable (for filters that widen rather than refuse).</summary>
    public static DateTimeOffset? Read(HttpRequest request, string name) => TryRead(request, name, out var value, out _) ? value : null;
}
