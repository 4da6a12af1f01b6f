namespace Quell.Notifications;

/// <summary>What one delivery attempt came to, as the sender saw it.</summary>
public sealed record DeliveryResult(DeliveryOutcome Outcome, int? StatusCode, string Detail, TimeSpan? RetryAfter = null)
{
    public static DeliveryResult Delivered(int? status, string detail) => new(DeliveryOutcome.Delivered, status, detail);

    public static DeliveryResult Retry(int? status, string detail, TimeSpan? retryAfter = null) => new(DeliveryOutcome.Retry, status, detail, retryAfter);

    public static DeliveryResult Failed(int? status, string detail) => new(DeliveryOutcome.Failed, status, detail);

    /// <summary>2xx delivered; 408, 429 and 5xx worth retrying; any other status is permanent.</summary>
    public static DeliveryResult FromStatus(int status, string detail, TimeSpan? retryAfter = null) => status switch
    {
        >= 200 and < 300 => Delivered(status, detail),
        408 or 425 or 429 or >= 500 => Retry(status, detail, retryAfter),
        _ => Failed(status, detail),
    };
}

/// <summary>Delivered, worth another try, or refused for good.</summary>
public enum DeliveryOutcome
{
    Delivered,
    Retry,
    Failed,
}

/// <summary>Retry schedule: exponential backoff with jitter, capped, a limited number of attempts; Retry-After wins when given.</summary>
public sealed record DeliveryPolicy
{
    /// <summary>Delay after the first failed attempt. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between attempts. Default 5 min.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts before a notification is marked failed. Default 12 (about 20 minutes of trying).</summary>
    public int MaxAttempts { get; init; } = 12;

    /// <summary>± share of random spread on each delay so retries from many notifications do not align. Default 0.2.</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>When to try again after <paramref name="attempts"/> attempts, or null to give up.</summary>
    public TimeSpan? NextDelay(DeliveryResult result, int attempts, Random random)
    {
        if (result.Outcome != DeliveryOutcome.Retry || attempts >= MaxAttempts)
        {
            return null;
        }

        if (result.RetryAfter is { } after && after > TimeSpan.Zero)
        {
            return after < MaxDelay ? after : MaxDelay;
        }

        var exp = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempts - 1));
        var spread = 1 + (Jitter * ((random.NextDouble() * 2) - 1));
        return TimeSpan.FromMilliseconds(Math.Min(MaxDelay.TotalMilliseconds, exp * spread));
    }
}
