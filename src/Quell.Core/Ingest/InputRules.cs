using System.Globalization;

namespace Quell.Ingest;

/// <summary>
/// The one set of range rules every decoded input passes, whatever its source (OTLP, native calls, evals, feedback,
/// changes, Alertmanager, silences, mitigations, replay): label and text lengths, token counts, costs, finite
/// numbers, times, durations and known values. Checks run in order and the first failure is kept, so a refusal
/// names exactly one field.
/// </summary>
public sealed class InputRules(IngestLimits limits, DateTimeOffset now)
{
    public IngestLimits Limits => limits;

    public DateTimeOffset Now => now;

    /// <summary>The first rule that failed, or null when the input is acceptable.</summary>
    public RecordError? Error { get; private set; }

    public bool Ok => Error is null;

    public InputRules Fail(string field, string message)
    {
        Error ??= new RecordError(0, field, message);
        return this;
    }

    /// <summary>An identifier or label: at most <see cref="IngestLimits.MaxLabelChars"/>; required ones must not be empty.</summary>
    public InputRules Label(string field, string? value, bool required = false)
    {
        if (value is null || value.Length == 0)
        {
            return required ? Fail(field, value is null ? "is required" : "must not be empty") : this;
        }

        return value.Length > limits.MaxLabelChars ? Fail(field, $"is {value.Length} characters long; the limit is {limits.MaxLabelChars}") : this;
    }

    /// <summary>Short free text (comments, descriptions, summaries): at most <see cref="IngestLimits.MaxTextChars"/>.</summary>
    public InputRules Text(string field, string? value) => Length(field, value, limits.MaxTextChars);

    /// <summary>Call content (input, output, system prompt, attributes): at most <see cref="IngestLimits.MaxContentChars"/>.</summary>
    public InputRules Content(string field, string? value) => Length(field, value, limits.MaxContentChars);

    public InputRules Length(string field, string? value, int max) =>
        value is { Length: var n } && n > max ? Fail(field, $"is {n} characters long; the limit is {max}") : this;

    /// <summary>A token counter: a whole number in 0..<see cref="IngestLimits.MaxTokensPerCall"/>.</summary>
    public InputRules Tokens(string field, long value) =>
        value < 0 ? Fail(field, $"must be >= 0, got {value}")
        : value > limits.MaxTokensPerCall ? Fail(field, $"{value} is more than {limits.MaxTokensPerCall} tokens for one call")
        : this;

    /// <summary>A cost in US dollars: finite, in 0..<see cref="IngestLimits.MaxCostUsdPerCall"/>.</summary>
    public InputRules Cost(string field, double? value) => Number(field, value, 0, limits.MaxCostUsdPerCall);

    /// <summary>A latency in milliseconds: finite, in 0..<see cref="IngestLimits.MaxLatency"/>.</summary>
    public InputRules LatencyMs(string field, double? value) => Number(field, value, 0, limits.MaxLatency.TotalMilliseconds);

    /// <summary>Any other number: finite, within ±<see cref="IngestLimits.MaxNumber"/> unless tighter bounds are given.</summary>
    public InputRules Number(string field, double? value, double? min = null, double? max = null)
    {
        if (value is not { } d)
        {
            return this;
        }

        if (!double.IsFinite(d))
        {
            return Fail(field, $"must be a finite number, got {d.ToString(CultureInfo.InvariantCulture)}");
        }

        var lo = min ?? -limits.MaxNumber;
        var hi = max ?? limits.MaxNumber;
        return d < lo || d > hi
            ? Fail(field, $"must be between {lo.ToString(CultureInfo.InvariantCulture)} and {hi.ToString(CultureInfo.InvariantCulture)}, got {d.ToString("R", CultureInfo.InvariantCulture)}")
            : this;
    }

    /// <summary>An instant: no older than <see cref="IngestLimits.MaxAge"/>, no further ahead than <see cref="IngestLimits.MaxFutureSkew"/>.</summary>
    public InputRules Time(string field, DateTimeOffset value) => Time(field, value, limits.MaxFutureSkew);

    /// <summary>An instant that may lie up to <paramref name="ahead"/> in the future (scheduled silences).</summary>
    public InputRules Time(string field, DateTimeOffset value, TimeSpan ahead)
    {
        if (value > now + ahead)
        {
            return Fail(field, ahead < TimeSpan.FromDays(1)
                ? $"{value:O} is more than {ahead.TotalMinutes:0} minutes in the future (server time {now:O})"
                : $"{value:O} is more than {ahead.TotalDays:0} days in the future (server time {now:O})");
        }

        return value < now - limits.MaxAge ? Fail(field, $"{value:O} is older than {limits.MaxAge.TotalDays:0} days") : this;
    }

    /// <summary>A duration a caller asks for: positive and at most <see cref="IngestLimits.MaxDuration"/>.</summary>
    public InputRules Duration(string field, TimeSpan? value)
    {
        if (value is not { } d)
        {
            return this;
        }

        return d <= TimeSpan.Zero ? Fail(field, "must be a positive duration")
            : d > limits.MaxDuration ? Fail(field, $"{d.TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} days is longer than the {limits.MaxDuration.TotalDays:0}-day limit")
            : this;
    }

    /// <summary>A value from a closed set (change kinds, statuses).</summary>
    public InputRules OneOf(string field, string? value, IReadOnlyCollection<string> known, bool required = false)
    {
        if (value is null)
        {
            return required ? Fail(field, $"is required: one of {string.Join(", ", known)}") : this;
        }

        return known.Contains(value) ? this : Fail(field, $"'{Clip(value)}' is not one of {string.Join(", ", known)}");
    }

    /// <summary>A list: at most <see cref="IngestLimits.MaxListItems"/> items.</summary>
    public InputRules Count(string field, int count, int? max = null)
    {
        var limit = max ?? limits.MaxListItems;
        return count > limit ? Fail(field, $"has {count} items; the limit is {limit}") : this;
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
