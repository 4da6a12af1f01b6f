using Quell.Incidents;
using Quell.Response;

namespace Quell.OnCall;

/// <summary>Which channels each severity reaches and whether it pages people through the escalation policy.</summary>
public sealed record SeverityRouting
{
    /// <summary>Default: every configured channel, paging at once.</summary>
    public SeverityRoute S1 { get; init; } = new() { Channels = [ChannelAliases.All], Page = true };

    /// <summary>Default: the paging channel (PagerDuty, else email, else the local log), paging the primary.</summary>
    public SeverityRoute S2 { get; init; } = new() { Channels = [ChannelAliases.Paging], Page = true };

    /// <summary>Default: a chat channel (Slack, else webhooks, else the local log), nobody paged.</summary>
    public SeverityRoute S3 { get; init; } = new() { Channels = [ChannelAliases.Chat], Page = false };

    /// <summary>Escalation policy used for paging; null means the on-call default.</summary>
    public string? EscalationPolicy { get; init; }

    public SeverityRoute For(Severity severity) => severity switch
    {
        Severity.S1 => S1,
        Severity.S2 => S2,
        _ => S3,
    };

    /// <summary>The concrete channels for a severity given the configured ones; never empty (falls back to the local log).</summary>
    public IReadOnlyList<string> ChannelsFor(Severity severity, IReadOnlyList<string> configured)
    {
        var result = new List<string>();
        foreach (var name in For(severity).Channels)
        {
            result.AddRange(ChannelAliases.Expand(name, configured));
        }

        return result.Count == 0 ? [ChannelAliases.Log] : result.Distinct(StringComparer.Ordinal).ToList();
    }
}

/// <summary>Channels a severity is sent to, and whether people get paged.</summary>
public sealed record SeverityRoute
{
    public IReadOnlyList<string> Channels { get; init; } = [];

    public bool Page { get; init; }
}

/// <summary>Channel names and the aliases routing accepts: all, paging, chat, webhook.</summary>
public static class ChannelAliases
{
    public const string All = "all";
    public const string Paging = "paging";
    public const string Chat = "chat";
    public const string PagerDuty = "pagerduty";
    public const string Slack = "slack";
    public const string Email = "email";
    public const string Webhook = "webhook";
    public const string Log = "log";

    /// <summary>Channels that reach one person at a time (resolution is sent to each person paged).</summary>
    public static bool IsPersonal(string channel) => channel is Email or Log;

    public static IEnumerable<string> Expand(string name, IReadOnlyList<string> configured)
    {
        var webhooks = configured.Where(c => c.StartsWith(Webhook + ":", StringComparison.Ordinal)).ToList();
        switch (name)
        {
            case All:
                return configured.Count == 0 ? [Log] : configured;
            case Paging:
                return configured.Contains(PagerDuty) ? [PagerDuty] : configured.Contains(Email) ? [Email] : [Log];
            case Chat:
                return configured.Contains(Slack) ? [Slack] : webhooks.Count > 0 ? webhooks : [Log];
            case Webhook:
                return webhooks;
            case Log:
                return [Log];
            default:
                return configured.Contains(name) ? [name] : [];
        }
    }
}
