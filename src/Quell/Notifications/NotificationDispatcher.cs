using System.Globalization;
using Quell.Incidents;
using Quell.Notifications;
using Quell.Response;
using Quell.Server.Incidents;

namespace Quell.Server.Notifications;

/// <summary>
/// Delivers the outbox at least once: sends due notifications through their channel, retries 429/5xx with backoff,
/// and writes every attempt to the incident timeline. Receivers deduplicate by the notification id.
/// </summary>
public sealed class NotificationDispatcher(
    INotificationOutbox outbox,
    IEnumerable<INotificationSender> senders,
    DeliveryPolicy policy,
    TimeProvider time,
    Random random,
    ILogger<NotificationDispatcher>? logger = null,
    IncidentMetrics? metrics = null) : IDisposable
{
    private readonly INotificationSender[] _senders = senders.ToArray();
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly Lock _randomGate = new();

    /// <summary>Wakes the delivery loop now (new notifications were committed).</summary>
    public void Nudge()
    {
        try
        {
            if (_nudge.CurrentCount == 0)
            {
                _nudge.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already nudged.
        }
    }

    /// <summary>Delivers everything due now, in order per incident and channel; returns how many attempts were made.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        // The outbox hands out only the first pending notification of each incident and channel, so a trigger, its
        // acknowledge and its resolve take one round each. The bound only guards against a policy with zero delays.
        var total = 0;
        for (var round = 0; round < 64; round++)
        {
            var attempts = await DeliverRoundAsync(cancellationToken).ConfigureAwait(false);
            if (attempts == 0)
            {
                break;
            }

            total += attempts;
        }

        return total;
    }

    private async Task<int> DeliverRoundAsync(CancellationToken cancellationToken)
    {
        var due = await outbox.DueAsync(time.GetUtcNow(), 256, cancellationToken).ConfigureAwait(false);
        if (due.Count == 0)
        {
            return 0;
        }

        var attempts = 0;

        // One incident's notifications go in order (a trigger before its resolve); incidents go in parallel.
        await Parallel.ForEachAsync(due.GroupBy(d => d.Notification.IncidentId), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            var held = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in group)
            {
                if (held.Contains(item.Notification.Channel))
                {
                    continue;
                }

                Interlocked.Increment(ref attempts);
                if (!await AttemptAsync(item, ct).ConfigureAwait(false))
                {
                    held.Add(item.Notification.Channel);
                }
            }
        }).ConfigureAwait(false);
        return attempts;
    }

    /// <summary>Delivers until stopped: after every nudge, when the next retry is due, and at least every <paramref name="poll"/>.</summary>
    public async Task RunAsync(TimeSpan poll, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await DeliverDueAsync(cancellationToken).ConfigureAwait(false);
                var wait = poll;
                if (await outbox.NextDueAsync(cancellationToken).ConfigureAwait(false) is { } next)
                {
                    var until = next - time.GetUtcNow();
                    wait = until < TimeSpan.Zero ? TimeSpan.Zero : until < poll ? until : poll;
                }

                if (wait > TimeSpan.Zero)
                {
                    using var timeout = new CancellationTokenSource(wait, time);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                    try
                    {
                        await _nudge.WaitAsync(linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Poll interval or next retry reached.
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger?.LogError(ex, "notification dispatcher pass failed; retrying");
                await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _nudge.Dispose();

    private async Task<bool> AttemptAsync(OutboxItem item, CancellationToken ct)
    {
        var n = item.Notification;
        var sender = Array.Find(_senders, s => s.Handles(n.Channel));
        DeliveryResult result;
        if (sender is null)
        {
            result = DeliveryResult.Failed(null, $"no channel '{n.Channel}' is configured");
        }
        else
        {
            try
            {
                result = await sender.SendAsync(n, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                // Timeouts, refused connections, DNS: the receiver may be back soon.
                result = DeliveryResult.Retry(null, ex.GetType().Name + ": " + ex.Message);
            }
        }

        var attempts = item.Attempts + 1;
        var now = time.GetUtcNow();
        TimeSpan? delay;
        lock (_randomGate)
        {
            delay = policy.NextDelay(result, attempts, random);
        }

        var status = result.Outcome switch
        {
            DeliveryOutcome.Delivered => OutboxStatus.Delivered,
            DeliveryOutcome.Retry when delay is not null => OutboxStatus.Pending,
            _ => OutboxStatus.Failed,
        };
        var code = result.StatusCode is { } c ? $"HTTP {c}" : "no response";
        var message = status switch
        {
            OutboxStatus.Delivered => $"delivered via {n.Channel} ({code}, attempt {attempts}): {n.Message.Text}",
            OutboxStatus.Pending => $"delivery via {n.Channel} failed ({code}: {result.Detail}); retrying in {delay!.Value.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s (attempt {attempts})",
            _ => $"delivery via {n.Channel} failed for good ({code}: {result.Detail}) after {attempts} attempt(s): {n.Message.Text}",
        };
        var entry = new TimelineEntry(n.IncidentId, now, TimelineKinds.Delivery, TimelineKinds.System, message)
        {
            Data = new Dictionary<string, string>
            {
                ["notification"] = n.Id,
                ["channel"] = n.Channel,
                ["outcome"] = status.ToString().ToLowerInvariant(),
                ["attempt"] = attempts.ToString(CultureInfo.InvariantCulture),
                ["status_code"] = result.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            },
        };
        await outbox.RecordAttemptAsync(n.Id, status, attempts, delay is { } d ? now + d : now, status == OutboxStatus.Delivered ? null : $"{code}: {result.Detail}", entry, ct).ConfigureAwait(false);
        metrics?.Attempted(n, status);
        if (status == OutboxStatus.Failed)
        {
            logger?.LogWarning("notification {Id} via {Channel} failed: {Detail}", n.Id, n.Channel, result.Detail);
        }

        return status == OutboxStatus.Delivered;
    }
}

/// <summary>Delivers notifications on one kind of channel.</summary>
public interface INotificationSender
{
    bool Handles(string channel);

    Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken);
}
