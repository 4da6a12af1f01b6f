using System.Globalization;
using System.Text.Json;
using Quell.Detection;

namespace Quell.Ingest;

/// <summary>Reads eval results and user feedback from JSON, naming the field that is wrong.</summary>
public static class QualityInputJson
{
    public static (EvalResult? Record, RecordError? Error) ReadEval(JsonElement e, IngestLimits limits, DateTimeOffset now)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return (null, new RecordError(0, "$", "expected a JSON object"));
        }

        if (Str(e, "suite") is not { Length: > 0 } suite)
        {
            return (null, new RecordError(0, "suite", "is required"));
        }

        var caseId = Str(e, "case") ?? Str(e, "case_id");
        if (caseId is null)
        {
            return (null, new RecordError(0, "case", "is required"));
        }

        double? score = null;
        if (e.TryGetProperty("score", out var s) && s.ValueKind != JsonValueKind.Null)
        {
            if (s.ValueKind != JsonValueKind.Number || !s.TryGetDouble(out var d) || !double.IsFinite(d))
            {
                return (null, new RecordError(0, "score", $"expected a finite number, got {(s.ValueKind == JsonValueKind.Number ? s.GetRawText() : CallRecordJson.Describe(s.ValueKind))}"));
            }

            score = d;
        }

        bool passed;
        if (e.TryGetProperty("passed", out var p) && p.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            passed = p.ValueKind == JsonValueKind.True;
        }
        else if (score is { } sc)
        {
            passed = sc >= 0.5;
        }
        else
        {
            return (null, new RecordError(0, "passed", "is required (true/false) unless a score in 0..1 is given"));
        }

        if (Time(e, now, out var ts) is { } error)
        {
            return (null, error);
        }

        return (new EvalResult
        {
            Suite = suite,
            CaseId = caseId,
            Passed = passed,
            Score = score,
            Model = Str(e, "model"),
            ModelVersion = Str(e, "model_version"),
            PromptVersion = Str(e, "prompt_version"),
            Feature = Str(e, "feature"),
            Timestamp = ts,
        }, null);
    }

    public static (FeedbackRecord? Record, RecordError? Error) ReadFeedback(JsonElement e, IngestLimits limits, DateTimeOffset now)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return (null, new RecordError(0, "$", "expected a JSON object"));
        }

        if (Str(e, "call_id") is not { Length: > 0 } callId)
        {
            return (null, new RecordError(0, "call_id", "is required"));
        }

        bool? thumbsUp = null;
        if (e.TryGetProperty("thumbs", out var t) && t.ValueKind == JsonValueKind.String)
        {
            thumbsUp = t.GetString() switch
            {
                "up" => true,
                "down" => false,
                _ => null,
            };
            if (thumbsUp is null)
            {
                return (null, new RecordError(0, "thumbs", "must be \"up\" or \"down\""));
            }
        }
        else if (e.TryGetProperty("thumbs_up", out var tu) && tu.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            thumbsUp = tu.ValueKind == JsonValueKind.True;
        }

        double? score = null;
        if (e.TryGetProperty("score", out var s) && s.ValueKind != JsonValueKind.Null)
        {
            if (s.ValueKind != JsonValueKind.Number || !s.TryGetDouble(out var d) || !double.IsFinite(d))
            {
                return (null, new RecordError(0, "score", $"expected a finite number, got {(s.ValueKind == JsonValueKind.Number ? s.GetRawText() : CallRecordJson.Describe(s.ValueKind))}"));
            }

            score = d;
        }

        if (thumbsUp is null && score is null)
        {
            return (null, new RecordError(0, "thumbs", "either thumbs (up/down) or score is required"));
        }

        if (Time(e, now, out var ts) is { } error)
        {
            return (null, error);
        }

        var comment = Str(e, "comment");
        if (comment is { Length: > 8192 })
        {
            return (null, new RecordError(0, "comment", "is longer than 8192 characters"));
        }

        return (new FeedbackRecord
        {
            CallId = callId,
            Timestamp = ts,
            ThumbsUp = thumbsUp,
            Score = score,
            Comment = comment,
            Feature = Str(e, "feature"),
            Model = Str(e, "model"),
            ModelVersion = Str(e, "model_version"),
            PromptVersion = Str(e, "prompt_version"),
            Tenant = Str(e, "tenant"),
        }, null);
    }

    private static RecordError? Time(JsonElement e, DateTimeOffset now, out DateTimeOffset ts)
    {
        ts = now;
        if (Str(e, "timestamp") is not { } text)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out ts))
        {
            return new RecordError(0, "timestamp", $"'{CallRecordJson.Clip(text)}' is not an RFC 3339 time");
        }

        return null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
