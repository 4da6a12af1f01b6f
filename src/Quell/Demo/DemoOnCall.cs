using Quell.Configuration;

namespace Quell.Demo;

/// <summary>The demo's team: two rotations and a manager, paged through the local recording channel.</summary>
public static class DemoOnCall
{
    public const string Yaml = """
        features:
          support_chat: { audience: customer_facing }
          doc_search: { audience: customer_facing }
          research_agent: { audience: customer_facing }
          summarizer: { audience: internal }
        limits:
          max_future_skew: 1d
        on_call:
          schedules:
            primary:
              time_zone: Europe/Berlin
              layers: [ { participants: [alice, bob], handoff_day: monday, handoff_time: "09:00", start: "2026-10-26" } ]
            secondary:
              time_zone: America/New_York
              layers: [ { participants: [carol, dave], handoff_day: monday, handoff_time: "09:00", start: "2026-10-26" } ]
          escalation_policies:
            default:
              repeat: 1
              steps:
                - { schedule: primary, delay: 5m }
                - { schedule: secondary, delay: 10m }
                - { user: frank, name: manager, delay: 10m }
        """;

    public static QuellConfig Config(Uri appChatUrl) =>
        ConfigLoader.Parse(Yaml, "demo on-call") with
        {
            Channels = new ChannelsConfig
            {
                Pagerduty = new PagerDutyChannelConfig { BaseUrl = new Uri(appChatUrl, "/").ToString().TrimEnd('/'), RoutingKey = "demo-routing-key" },
                Slack = new SlackChannelConfig { WebhookUrl = new Uri(appChatUrl, "/slack").ToString() },
            },
            IsolationProbes = new Isolation.IsolationProbeConfig
            {
                TargetUrl = appChatUrl.ToString(),
                AnswerPath = "answer",
                RetrievedPath = "retrieved",
                Tenants = ["acme", "globex", "initech", "umbrella"],
                Feature = "doc_search",
                Interval = TimeSpan.FromHours(2),
            },
        };
}
