namespace Quell.Calls;

/// <summary>Well-known values of a failed call's error type.</summary>
public static class ErrorTypes
{
    public const string RateLimited = "rate_limited";
    public const string ServerError = "server_error";
    public const string Timeout = "timeout";
    public const string ContentFilter = "content_filter";
    public const string Other = "other";

    /// <summary>Maps HTTP statuses and vendor spellings onto the well-known values.</summary>
    public static string Normalize(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return Other;
        }

        var s = raw.Trim().ToLowerInvariant();
        return s switch
        {
            "429" or "rate_limited" or "ratelimited" or "rate_limit_exceeded" or "too_many_requests" or "ratelimiterror" => RateLimited,
            "timeout" or "timeouterror" or "deadline_exceeded" or "timed_out" or "apitimeouterror" or "taskcanceledexception" => Timeout,
            "content_filter" or "contentfilter" or "content_filtered" or "safety" => ContentFilter,
            "server_error" or "internal_server_error" or "internalservererror" or "apierror" or "service_unavailable" or "overloaded" => ServerError,
            _ when s.Length == 3 && s[0] == '5' && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2]) => ServerError,
            _ when s.Contains("ratelimit", StringComparison.Ordinal) || s.Contains("rate_limit", StringComparison.Ordinal) => RateLimited,
            _ when s.Contains("timeout", StringComparison.Ordinal) => Timeout,
            _ => s,
        };
    }
}
