namespace Quell.Configuration;

/// <summary>quell.yaml `channels:` — where notifications go. With none configured they go to the local log.</summary>
public sealed record ChannelsConfig
{
    public PagerDutyChannelConfig? Pagerduty { get; init; }

    public SlackChannelConfig? Slack { get; init; }

    public IReadOnlyList<WebhookChannelConfig> Webhooks { get; init; } = [];

    public EmailChannelConfig? Email { get; init; }

    /// <summary>Channel names in routing terms: pagerduty, slack, email, webhook:NAME.</summary>
    public IReadOnlyList<string> Configured()
    {
        var names = new List<string>();
        if (Pagerduty is { RoutingKey.Length: > 0 })
        {
            names.Add("pagerduty");
        }

        if (Slack is { WebhookUrl.Length: > 0 })
        {
            names.Add("slack");
        }

        names.AddRange(Webhooks.Where(w => w.Url.Length > 0).Select(w => $"webhook:{w.Name}"));
        if (Email is { SmtpHost.Length: > 0 })
        {
            names.Add("email");
        }

        return names;
    }
}

/// <summary>PagerDuty Events API v2: events go to {base_url}/v2/enqueue.</summary>
public sealed record PagerDutyChannelConfig
{
    public string BaseUrl { get; init; } = "https://events.pagerduty.com";

    public string RoutingKey { get; init; } = string.Empty;

    /// <summary>The payload's source field. Default "quell".</summary>
    public string Source { get; init; } = "quell";
}

/// <summary>A Slack incoming webhook.</summary>
public sealed record SlackChannelConfig
{
    public string WebhookUrl { get; init; } = string.Empty;
}

/// <summary>A generic JSON webhook signed with HMAC-SHA256 when a secret is set.</summary>
public sealed record WebhookChannelConfig
{
    public string Name { get; init; } = "default";

    public string Url { get; init; } = string.Empty;

    public string? Secret { get; init; }
}

/// <summary>Email over SMTP.</summary>
public sealed record EmailChannelConfig
{
    public string SmtpHost { get; init; } = string.Empty;

    public int Port { get; init; } = 25;

    /// <summary>STARTTLS when the server offers it; off by default for local relays.</summary>
    public bool UseTls { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string From { get; init; } = "quell@localhost";

    /// <summary>Always-copied recipients (a team list).</summary>
    public IReadOnlyList<string> To { get; init; } = [];

    /// <summary>Address per on-call user name, for personal pages.</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();
}
