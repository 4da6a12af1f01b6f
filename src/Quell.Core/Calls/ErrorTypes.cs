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
        var exact = s switch
        {
            "rate_limited" or "ratelimited" or "rate_limit_exceeded" or "too_many_requests" or "ratelimiterror" => RateLimited,
            "timeout" or "timeouterror" or "deadline_exceeded" or "timed_out" or "apitimeouterror" or "apiconnectiontimeouterror" or "taskcanceledexception" => Timeout,
            "content_filter" or "contentfilter" or "content_filtered" or "safety" => ContentFilter,
            "server_error" or "internal_server_error" or "internalservererror" or "apierror" or "service_unavailable" or "overloaded" or "overloaded_error" => ServerError,
            _ => null,
        };
        if (exact is not null)
        {
            return exact;
        }

        // "429", "503 Service Unavailable", "HTTP 500: …": a leading status code decides.
        var digits = s.StartsWith("http ", StringComparison.Ordinal) ? s[5..] : s;
        if (digits.Length >= 3 && char.IsAsciiDigit(digits[0]) && char.IsAsciiDigit(digits[1]) && char.IsAsciiDigit(digits[2]) && (digits.Length == 3 || !char.IsAsciiDigit(digits[3])))
        {
            switch (digits[0])
            {
                case '5':
                    return digits.StartsWith("504", StringComparison.Ordinal) ? Timeout : ServerError;
                case '4' when digits.StartsWith("429", StringComparison.Ordinal):
                    return RateLimited;
                case '4' when digits.StartsWith("408", StringComparison.Ordinal):
                    return Timeout;
            }
        }

        if (s.Contains("rate limit", StringComparison.Ordinal) || s.Contains("ratelimit", StringComparison.Ordinal) || s.Contains("rate_limit", StringComparison.Ordinal) || s.Contains("too many requests", StringComparison.Ordinal))
        {
            return RateLimited;
        }

        if (s.Contains("timeout", StringComparison.Ordinal) || s.Contains("timed out", StringComparison.Ordinal))
        {
            return Timeout;
        }

        if (s.Contains("content filter", StringComparison.Ordinal) || s.Contains("content_filter", StringComparison.Ordinal))
        {
            return ContentFilter;
        }

        if (s.Contains("internal server error", StringComparison.Ordinal) || s.Contains("service unavailable", StringComparison.Ordinal) || s.Contains("overloaded", StringComparison.Ordinal) || s.Contains("bad gateway", StringComparison.Ordinal) || s.Contains("server had an error", StringComparison.Ordinal))
        {
            return ServerError;
        }

        return s.Length > 64 ? Other : s;
    }
}
