using System.Buffers;
using System.Text;
using System.Text.Json;
using Quell.Incidents;
using Quell.Response;

namespace Quell.Notifications;

/// <summary>Builds the request bodies of PagerDuty Events API v2, Slack incoming webhooks and Quell's generic webhook.</summary>
public static class ChannelPayloads
{
    /// <summary>PagerDuty severity for a Quell severity: S1 critical, S2 error, S3 warning.</summary>
    public static string PagerDutySeverity(Severity s) => s switch
    {
        Severity.S1 => "critical",
        Severity.S2 => "error",
        _ => "warning",
    };

    // PagerDuty refuses an event over 512 KB and cuts summary at 1024 characters; each detail is capped so that the
    // largest possible event (every field at its cap) stays near 60 KB, far inside the limit.
    private const int PagerDutyDetailChars = 8192;
    private const int PagerDutyLinks = 10;

    /// <summary>An Events API v2 event; dedup_key is the incident id so every event about one incident lands on one PagerDuty alert.</summary>
    public static string PagerDuty(NotificationMessage m, string routingKey, string source)
    {
        return Write(w =>
        {
            w.WriteString("routing_key", routingKey);
            w.WriteString("event_action", m.Action switch
            {
                NotificationAction.Acknowledge => "acknowledge",
                NotificationAction.Resolve => "resolve",
                _ => "trigger",
            });
            w.WriteString("dedup_key", m.IncidentId);
            if (m.Action is NotificationAction.Trigger or NotificationAction.Update)
            {
                w.WriteStartObject("payload");
                w.WriteString("summary", Truncate($"[{m.Severity}] {m.Title}", 1024));
                w.WriteString("source", source);
                w.WriteString("severity", PagerDutySeverity(m.Severity));
                w.WriteString("timestamp", m.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                WriteIfSet(w, "component", Cap(m.Feature ?? m.Provider, 256));
                WriteIfSet(w, "group", Cap(m.Provider ?? m.Feature, 256));
                w.WriteString("class", Cap(m.Category, 256));
                w.WriteStartObject("custom_details");
                w.WriteString("incident_id", m.IncidentId);
                w.WriteString("state", m.State.Name());
                WriteIfSet(w, "signal", Cap(m.Signal, PagerDutyDetailChars));
                WriteIfSet(w, "attribution", Cap(m.Attribution, PagerDutyDetailChars));
                WriteIfSet(w, "summary", Cap(m.Summary, PagerDutyDetailChars));
                WriteIfSet(w, "paged", Cap(m.Recipient, 256));
                WriteIfSet(w, "role", Cap(m.Role, 256));
                w.WriteString("note", Cap(m.Text, PagerDutyDetailChars));
                w.WriteStartArray("links");
                foreach (var l in m.Links.Take(PagerDutyLinks))
                {
                    w.WriteStringValue(l.Href);
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartArray("links");
                foreach (var l in m.Links.Take(PagerDutyLinks))
                {
                    w.WriteStartObject();
                    w.WriteString("href", Cap(l.Href, 2048));
                    w.WriteString("text", Cap(l.Text, 256));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }
        });
    }

    /// <summary>
    /// A Slack message with a header, the severity and state, summary, attribution and links as Block Kit blocks. Every
    /// piece of incident text is escaped for mrkdwn (&amp;, &lt;, &gt; as entities) so a summary saying "&lt;!channel&gt;"
    /// or "&lt;https://evil|click&gt;" shows as text and can neither ping a channel nor forge a link.
    /// </summary>
    public static string Slack(NotificationMessage m)
    {
        var headline = m.Action switch
        {
            NotificationAction.Resolve => $"Resolved: {m.Title}",
            NotificationAction.Acknowledge => $"Acknowledged: {m.Title}",
            NotificationAction.Update => $"Updated: {m.Title}",
            _ => $"{m.Severity}: {m.Title}",
        };
        return Write(w =>
        {
            w.WriteString("text", SlackText.Fit(SlackText.Escape($"{headline} — {m.Text}"), 3000));
            w.WriteStartArray("blocks");
            Block(w, "header", "plain_text", SlackText.Fit(SlackText.Escape(headline), 150));
            w.WriteStartObject();
            w.WriteString("type", "section");
            w.WriteStartArray("fields");
            Field(w, $"*Severity*\n{m.Severity}");
            Field(w, $"*State*\n{m.State.Name()}");
            Field(w, SlackText.Fit($"*Category*\n{SlackText.Escape(m.Category)}", 2000));
            Field(w, SlackText.Fit($"*Incident*\n{SlackText.Escape(m.IncidentId)}", 2000));
            w.WriteEndArray();
            w.WriteEndObject();
            Block(w, "section", "mrkdwn", SlackText.Fit(SlackText.Escape(m.Text + (m.Summary.Length > 0 ? "\n" + m.Summary : string.Empty)), 3000));
            if (m.Attribution is { Length: > 0 } a)
            {
                Block(w, "section", "mrkdwn", SlackText.Fit("*Attribution*: " + SlackText.Escape(a), 3000));
            }

            // Links are added whole or not at all: a link cut in half would be a broken "<url|" in the message.
            var links = new StringBuilder();
            foreach (var link in m.Links.Select(l => SlackText.Link(l.Href, l.Text)))
            {
                if (links.Length + link.Length + 1 > 3000)
                {
                    break;
                }

                links.Append(links.Length > 0 ? "\n" : string.Empty).Append(link);
            }

            if (links.Length > 0)
            {
                Block(w, "section", "mrkdwn", links.ToString());
            }

            w.WriteEndArray();
        });
    }

    /// <summary>Quell's own JSON for generic webhooks: the whole message, snake_case.</summary>
    public static string Webhook(Notification n)
    {
        var m = n.Message;
        return Write(w =>
        {
            w.WriteString("id", n.Id);
            w.WriteString("incident_id", m.IncidentId);
            w.WriteString("action", m.Action.ToString().ToLowerInvariant());
            w.WriteString("severity", m.Severity.ToString());
            w.WriteString("state", m.State.Name());
            w.WriteString("title", m.Title);
            w.WriteString("summary", m.Summary);
            w.WriteString("category", m.Category);
            WriteIfSet(w, "attribution", m.Attribution);
            WriteIfSet(w, "signal", m.Signal);
            WriteIfSet(w, "feature", m.Feature);
            WriteIfSet(w, "provider", m.Provider);
            WriteIfSet(w, "recipient", m.Recipient);
            WriteIfSet(w, "role", m.Role);
            w.WriteString("text", m.Text);
            w.WriteString("at", m.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteStartObject("labels");
            foreach (var (k, v) in m.Labels)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteStartArray("links");
            foreach (var l in m.Links)
            {
                w.WriteStartObject();
                w.WriteString("href", l.Href);
                w.WriteString("text", l.Text);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    /// <summary>Subject and plain-text body of a notification email.</summary>
    public static (string Subject, string Body) Email(NotificationMessage m)
    {
        var subject = m.Action switch
        {
            NotificationAction.Resolve => $"[Quell] Resolved {m.Severity} {m.Title}",
            NotificationAction.Acknowledge => $"[Quell] Acknowledged {m.Severity} {m.Title}",
            _ => $"[Quell] {m.Severity} {m.Title}",
        };
        var body = new StringBuilder()
            .AppendLine(m.Text)
            .AppendLine()
            .AppendLine($"Incident: {m.IncidentId} ({m.State.Name()})")
            .AppendLine($"Severity: {m.Severity}")
            .AppendLine($"Category: {m.Category}");
        if (m.Summary.Length > 0)
        {
            body.AppendLine($"Summary: {m.Summary}");
        }

        if (m.Attribution is { Length: > 0 } a)
        {
            body.AppendLine($"Attribution: {a}");
        }

        foreach (var l in m.Links)
        {
            body.AppendLine($"{l.Text}: {l.Href}");
        }

        return (Truncate(subject, 200), body.ToString());
    }

    private static void Block(Utf8JsonWriter w, string type, string textType, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteStartObject("text");
        w.WriteString("type", textType);
        w.WriteString("text", text);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Field(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "mrkdwn");
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static string? Cap(string? s, int max) => s is null ? null : Truncate(s, max);

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>At most <paramref name="max"/> UTF-16 units, ending in "…" when cut; never splits a surrogate pair.</summary>
    internal static string Truncate(string s, int max)
    {
        if (s.Length <= max)
        {
            return s;
        }

        var cut = max - 1;
        if (cut > 0 && char.IsHighSurrogate(s[cut - 1]))
        {
            cut--;
        }

        return string.Concat(s.AsSpan(0, cut), "…");
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
