using System.Text;

namespace Quell.Notifications;

/// <summary>
/// Slack mrkdwn escaping: &amp;, &lt; and &gt; are Slack's control characters (mentions such as &lt;!channel&gt;, links,
/// dates), so text from alerts and responders is sent with them as entities and nothing else changed.
/// </summary>
public static class SlackText
{
    /// <summary><paramref name="text"/> with &amp; &lt; &gt; replaced by &amp;amp; &amp;lt; &amp;gt;.</summary>
    public static string Escape(string text)
    {
        if (text.AsSpan().IndexOfAny('&', '<', '>') < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '&' => sb.Append("&amp;"),
                '<' => sb.Append("&lt;"),
                '>' => sb.Append("&gt;"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    /// <summary>A mrkdwn link &lt;href|text&gt;: the text escaped, and the characters that would end the link percent-encoded in the address.</summary>
    public static string Link(string href, string text)
    {
        var address = href.Replace("|", "%7C", StringComparison.Ordinal).Replace("<", "%3C", StringComparison.Ordinal).Replace(">", "%3E", StringComparison.Ordinal).Replace("&", "&amp;", StringComparison.Ordinal);
        return $"<{address}|{Escape(text)}>";
    }

    /// <summary>Escaped text cut to <paramref name="max"/> units without splitting an entity or a surrogate pair.</summary>
    public static string Fit(string escaped, int max)
    {
        if (escaped.Length <= max)
        {
            return escaped;
        }

        var cut = max - 1;
        var amp = escaped.LastIndexOf('&', cut - 1, Math.Min(cut, 5));
        if (amp >= 0 && escaped.IndexOf(';', amp, cut - amp) < 0)
        {
            cut = amp;
        }

        if (cut > 0 && char.IsHighSurrogate(escaped[cut - 1]))
        {
            cut--;
        }

        return string.Concat(escaped.AsSpan(0, cut), "…");
    }
}
