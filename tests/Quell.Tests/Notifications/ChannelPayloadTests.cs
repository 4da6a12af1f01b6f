using System.Text.Json;
using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;

namespace Quell.Tests.Notifications;

/// <summary>What each channel's body says when incident text is hostile or huge.</summary>
public sealed class ChannelPayloadTests
{
    private static NotificationMessage Message(string title, string summary, string text = "paged alice (primary) via slack", IReadOnlyList<NotificationLink>? links = null) => new()
    {
        IncidentId = "inc-01jd0000000000000000000000",
        Action = NotificationAction.Trigger,
        Severity = Severity.S1,
        State = IncidentState.Detected,
        Title = title,
        Summary = summary,
        Category = "quality",
        Attribution = "prompt <v12> & friends",
        Text = text,
        Links = links ?? [new NotificationLink("https://quell.example/api/v1/incidents/inc-1?a=1&b=<2>|x", "Incident <inc-1> & co")],
        At = DateTimeOffset.UnixEpoch,
    };

    private static IEnumerable<string> SlackTexts(JsonElement root)
    {
        yield return root.GetProperty("text").GetString()!;
        foreach (var block in root.GetProperty("blocks").EnumerateArray())
        {
            if (block.TryGetProperty("text", out var t))
            {
                yield return t.GetProperty("text").GetString()!;
            }

            if (block.TryGetProperty("fields", out var fields))
            {
                foreach (var f in fields.EnumerateArray())
                {
                    yield return f.GetProperty("text").GetString()!;
                }
            }
        }
    }

    [Fact]
    public void Slack_MentionsAndLinksInIncidentText_SentAsEntities()
    {
        var body = ChannelPayloads.Slack(Message("<!channel> gateway & <@U123> down", "see <https://evil.example|your bank> <!here>"));
        var texts = SlackTexts(JsonDocument.Parse(body).RootElement).ToList();

        // The only '<' left anywhere is the one link Quell itself built.
        Assert.All(texts, t => Assert.DoesNotContain("<!", t, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.DoesNotContain("<@", t, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.DoesNotContain("<https://evil", t, StringComparison.Ordinal));
        Assert.Equal(1, texts.Sum(t => t.Count(c => c == '<')));
        Assert.Contains(texts, t => t == "S1: &lt;!channel&gt; gateway &amp; &lt;@U123&gt; down");
        Assert.Contains(texts, t => t.Contains("see &lt;https://evil.example|your bank&gt; &lt;!here&gt;", StringComparison.Ordinal));
        Assert.Contains(texts, t => t == "*Attribution*: prompt &lt;v12&gt; &amp; friends");
        Assert.Contains(texts, t => t == "<https://quell.example/api/v1/incidents/inc-1?a=1&amp;b=%3C2%3E%7Cx|Incident &lt;inc-1&gt; &amp; co>");
    }

    [Fact]
    public void Slack_HugeTextOfEntities_CutWithinLimitsWithoutBreakingAnEntityOrSurrogate()
    {
        var body = ChannelPayloads.Slack(Message(string.Concat(Enumerable.Repeat("a&", 200)), string.Concat(Enumerable.Repeat("😀<", 5000))));
        var root = JsonDocument.Parse(body).RootElement;
        var header = root.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.True(header.Length <= 150);
        Assert.EndsWith("…", header, StringComparison.Ordinal);
        foreach (var text in SlackTexts(root))
        {
            Assert.True(text.Length <= 3000, $"{text.Length} characters");
            var cut = text.TrimEnd('…');
            var amp = cut.LastIndexOf('&');
            Assert.True(amp < 0 || cut.IndexOf(';', amp) > amp, "an entity was cut in half");
            Assert.False(cut.Length > 0 && char.IsHighSurrogate(cut[^1]), "a surrogate pair was cut in half");
        }
    }

    [Fact]
    public void PagerDuty_HugeText_WithinEventLimits()
    {
        var huge = new string('x', 600_000);
        var links = Enumerable.Range(0, 50).Select(i => new NotificationLink($"https://quell.example/{i}/{huge[..5000]}", huge[..1000])).ToList();
        var body = ChannelPayloads.PagerDuty(Message(huge, huge, huge, links) with { Feature = huge, Signal = huge }, "rk", "quell");
        var root = JsonDocument.Parse(body).RootElement;
        var payload = root.GetProperty("payload");
        Assert.True(payload.GetProperty("summary").GetString()!.Length <= 1024);
        Assert.True(payload.GetProperty("component").GetString()!.Length <= 256);
        Assert.True(payload.GetProperty("custom_details").GetProperty("summary").GetString()!.Length <= 8192);
        Assert.True(root.GetProperty("links").GetArrayLength() <= 10);
        Assert.True(body.Length < 512 * 1024 / 4, $"{body.Length} bytes");
    }
}
