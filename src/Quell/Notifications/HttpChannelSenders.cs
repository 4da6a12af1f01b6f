using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Quell.Configuration;
using Quell.Notifications;
using Quell.OnCall;

namespace Quell.Server.Notifications;

/// <summary>PagerDuty Events API v2: POST {base_url}/v2/enqueue; 202 is success, 429 and 5xx are retried, 400 is final.</summary>
public sealed class PagerDutySender(HttpClient http, PagerDutyChannelConfig config) : INotificationSender
{
    private readonly Uri _endpoint = new($"{config.BaseUrl.TrimEnd('/')}/v2/enqueue");

    public bool Handles(string channel) => channel == ChannelAliases.PagerDuty;

    public Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
        HttpPost.SendAsync(http, _endpoint, ChannelPayloads.PagerDuty(notification.Message, config.RoutingKey, config.Source), null, cancellationToken);
}

/// <summary>Slack incoming webhook with Block Kit blocks; honours Retry-After on 429.</summary>
public sealed class SlackSender(HttpClient http, SlackChannelConfig config) : INotificationSender
{
    private readonly Uri _endpoint = new(config.WebhookUrl);

    public bool Handles(string channel) => channel == ChannelAliases.Slack;

    public Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
        HttpPost.SendAsync(http, _endpoint, ChannelPayloads.Slack(notification.Message), null, cancellationToken);
}

/// <summary>Generic JSON webhook, signed with <see cref="WebhookSignature"/> and carrying an idempotency key.</summary>
public sealed class WebhookSender(HttpClient http, WebhookChannelConfig config, TimeProvider time) : INotificationSender
{
    public const string IdempotencyHeader = "X-Quell-Idempotency-Key";

    private readonly Uri _endpoint = new(config.Url);

    public bool Handles(string channel) => channel == $"{ChannelAliases.Webhook}:{config.Name}";

    public Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var body = ChannelPayloads.Webhook(notification);
        var headers = new List<(string, string)> { (IdempotencyHeader, notification.Id), ("X-Quell-Event", notification.Message.Action.ToString().ToLowerInvariant()) };
        if (!string.IsNullOrEmpty(config.Secret))
        {
            headers.Add((WebhookSignature.HeaderName, WebhookSignature.Sign(config.Secret, time.GetUtcNow(), body)));
        }

        return HttpPost.SendAsync(http, _endpoint, body, headers, cancellationToken);
    }
}

/// <summary>The POST every HTTP channel shares: JSON body, status classified, Retry-After read.</summary>
internal static class HttpPost
{
    public static async Task<DeliveryResult> SendAsync(HttpClient http, Uri endpoint, string body, IReadOnlyList<(string Name, string Value)>? headers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var detail = text.Length > 300 ? text[..300] : text;
        return DeliveryResult.FromStatus((int)response.StatusCode, detail.Length == 0 ? response.ReasonPhrase ?? string.Empty : detail, RetryAfter(response.Headers.RetryAfter));
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow > TimeSpan.Zero ? date - DateTimeOffset.UtcNow : TimeSpan.Zero,
        _ => null,
    };
}
