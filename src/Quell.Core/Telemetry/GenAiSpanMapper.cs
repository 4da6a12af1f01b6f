using System.Globalization;
using System.Text.Json;
using Quell.Calls;
using Quell.Ingest;
using Quell.Telemetry.Conventions;
using static Quell.Telemetry.SpanValues;

namespace Quell.Telemetry;

/// <summary>
/// Maps OTLP spans that describe GenAI calls onto call records; other spans are counted and skipped.
/// Each instrumentation convention reads its own attributes (<see cref="IGenAiConvention"/>); this class validates,
/// runs them most specific first, and fills what every call has: ids, times, status, labels.
/// </summary>
public sealed class GenAiSpanMapper(GenAiAttributeNames names, IngestLimits limits, TimeProvider time)
{
    /// <summary>Most specific first: each fills only what the earlier ones left empty.</summary>
    private static readonly IGenAiConvention[] Conventions =
    [
        new VercelAiConvention(),
        new OpenInferenceConvention(),
        new OpenLlmetryConvention(),
        new OtelGenAiConvention(),
    ];

    private static readonly string[] TokenKeys =
    [
        "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
        "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "llm.usage.prompt_tokens", "llm.usage.completion_tokens",
        "llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.prompt_details.cache_read",
        "ai.usage.inputTokens", "ai.usage.outputTokens", "ai.usage.promptTokens", "ai.usage.completionTokens", "ai.usage.cachedInputTokens",
        "ai.usage.inputTokenDetails.cacheReadTokens",
    ];

    /// <summary>True when some convention reads the span as a model, embedding, tool or agent call.</summary>
    public static bool IsGenAi(OtlpSpan span) => Classify(span, null) == SpanRole.Call;

    /// <summary>Maps every span; non-GenAI and wrapper spans are skipped and counted, bad GenAI spans become errors.</summary>
    public DecodedBatch<CallRecord> Map(IReadOnlyList<OtlpSpan> spans)
    {
        var records = new List<CallRecord>(spans.Count);
        var errors = new List<RecordError>();
        var skipped = 0;
        var now = time.GetUtcNow();
        var speaking = new List<IGenAiConvention>(Conventions.Length);
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            if (Classify(span, speaking) != SpanRole.Call)
            {
                skipped++;
                continue;
            }

            var error = Validate(span, now);
            if (error is not null)
            {
                errors.Add(new RecordError(i, error.Value.Field, error.Value.Message, span.SpanId.Length == 0 ? null : span.SpanId));
                continue;
            }

            records.Add(ToCall(span, speaking));
        }

        return new DecodedBatch<CallRecord>(records, errors, skipped);
    }

    /// <summary>Extracts the text parts of GenAI message JSON (gen_ai.input.messages and friends), or the string itself.</summary>
    internal static string? MessagesText(object? value) => GenAiMessages.Text(value);

    private static SpanRole Classify(OtlpSpan span, List<IGenAiConvention>? speaking)
    {
        speaking?.Clear();
        var role = SpanRole.Foreign;
        foreach (var convention in Conventions)
        {
            var r = convention.Classify(span);
            if (r == SpanRole.Foreign)
            {
                continue;
            }

            // The first convention that knows the span decides whether it is a call: a Vercel wrapper span that
            // also carries gen_ai.* attributes stays a wrapper.
            if (role == SpanRole.Foreign)
            {
                role = r;
            }

            speaking?.Add(convention);
        }

        return role;
    }

    private (string Field, string Message)? Validate(OtlpSpan span, DateTimeOffset now)
    {
        if (span.TraceId.Length != 32 || !IsHex(span.TraceId) || span.TraceId.All(c => c == '0'))
        {
            return ("traceId", $"must be 16 bytes (32 hex characters) and not all zero, got '{CallRecordJson.Clip(span.TraceId)}'");
        }

        if (span.SpanId.Length != 16 || !IsHex(span.SpanId) || span.SpanId.All(c => c == '0'))
        {
            return ("spanId", $"must be 8 bytes (16 hex characters) and not all zero, got '{CallRecordJson.Clip(span.SpanId)}'");
        }

        if (span.StartUnixNano == 0)
        {
            return ("startTimeUnixNano", "is missing");
        }

        if (span.EndUnixNano != 0 && span.EndUnixNano < span.StartUnixNano)
        {
            return ("endTimeUnixNano", "is before startTimeUnixNano");
        }

        var start = FromUnixNano(span.StartUnixNano);
        if (start > now + limits.MaxFutureSkew)
        {
            return ("startTimeUnixNano", $"{start:O} is more than {limits.MaxFutureSkew.TotalMinutes:0} minutes in the future (server time {now:O})");
        }

        foreach (var key in TokenKeys)
        {
            if (span.Attributes.TryGetValue(key, out var v) && AsDouble(v) is { } d && !(d >= 0 && double.IsFinite(d)))
            {
                return (key, $"must be a finite number >= 0, got {d.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        foreach (var (key, value) in span.Attributes)
        {
            if (value is string s && s.Length > limits.MaxContentChars)
            {
                return (key, $"is {s.Length} characters long; the limit is {limits.MaxContentChars}");
            }
        }

        return null;
    }

    private CallRecord ToCall(OtlpSpan span, List<IGenAiConvention> speaking)
    {
        var draft = new CallDraft();
        foreach (var convention in speaking)
        {
            convention.Apply(span, draft);
        }

        AddExceptionHints(span, draft);
        var requestModel = draft.RequestModel ?? draft.ResponseModel;
        var modelVersion = FirstLabel(span, draft, names.ModelVersion) ?? (draft.ResponseModel != requestModel ? draft.ResponseModel : null);
        if (modelVersion == requestModel)
        {
            modelVersion = null;
        }

        var isError = span.StatusCode == 2 || Str(span, "error.type") is not null;
        if (isError && span.StatusMessage is { Length: > 0 } statusMessage)
        {
            draft.ErrorHints.Add(statusMessage);
        }

        var feature = FirstLabel(span, draft, names.Feature)
            ?? draft.Feature
            ?? (names.FeatureFromServiceName ? ResourceStr(span.Resource, "service.name") : null);

        return new CallRecord
        {
            Id = span.TraceId + "-" + span.SpanId,
            Timestamp = FromUnixNano(span.StartUnixNano),
            Tenant = FirstLabel(span, draft, names.Tenant),
            User = FirstLabel(span, draft, names.User),
            Feature = Clip(feature),
            Operation = draft.Operation ?? "chat",
            Provider = Clip(ProviderAliases.Normalize(draft.Provider)),
            Model = Clip(requestModel),
            ModelVersion = Clip(modelVersion),
            Region = FirstLabel(span, draft, names.Region),
            PromptVersion = FirstLabel(span, draft, names.PromptVersion),
            TraceId = span.TraceId,
            SessionId = FirstLabel(span, draft, names.Session) ?? Clip(draft.SessionId),
            LatencyMs = span.EndUnixNano == 0 ? null : (span.EndUnixNano - span.StartUnixNano) / 1_000_000d,
            TtftMs = AsDouble(Get(span, "quell.ttft_ms")) ?? draft.TtftMs,
            InputTokens = draft.InputTokens ?? 0,
            OutputTokens = draft.OutputTokens ?? 0,
            CachedInputTokens = draft.CachedInputTokens ?? 0,
            CostUsd = AsDouble(Get(span, "quell.cost_usd")) ?? draft.CostUsd,
            Status = isError ? CallStatus.Error : CallStatus.Ok,
            ErrorType = isError ? NormalizeError(draft.ErrorHints) : null,
            Input = draft.Input,
            Output = draft.Output,
            SystemPrompt = draft.SystemPrompt,
            ToolCalls = draft.ToolCalls,
            AttributesJson = ExtraAttributes(span, draft, speaking, requestModel),
        };
    }

    /// <summary>The first hint that names a well-known error type wins; else the first hint, normalised.</summary>
    private static string NormalizeError(List<string> hints)
    {
        string? first = null;
        foreach (var hint in hints)
        {
            var type = ErrorTypes.Normalize(hint);
            if (type is ErrorTypes.RateLimited or ErrorTypes.ServerError or ErrorTypes.Timeout or ErrorTypes.ContentFilter)
            {
                return type;
            }

            first ??= type;
        }

        return first ?? ErrorTypes.Other;
    }

    private static void AddExceptionHints(OtlpSpan span, CallDraft draft)
    {
        foreach (var key in (string[])["http.response.status_code", "http.status_code", "ai.response.statusCode"])
        {
            if (Label(Get(span, key)) is { } status)
            {
                draft.ErrorHints.Add(status);
            }
        }

        foreach (var e in span.Events)
        {
            if (e.Name != "exception")
            {
                continue;
            }

            if (e.Attributes.GetValueOrDefault("exception.type") is string { Length: > 0 } type)
            {
                draft.ErrorHints.Add(type);
            }

            if (e.Attributes.GetValueOrDefault("exception.message") is string { Length: > 0 } message)
            {
                draft.ErrorHints.Add(message);
            }
        }
    }

    private static string? ExtraAttributes(OtlpSpan span, CallDraft draft, List<IGenAiConvention> speaking, string? requestModel)
    {
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal) { ["otel.span_name"] = span.Name };
        foreach (var (key, value) in draft.Extra)
        {
            extra[key] = value;
        }

        extra["quell.convention"] = speaking[0].Name;
        if (draft.Provider is { } rawProvider && ProviderAliases.Normalize(rawProvider) != rawProvider)
        {
            extra["quell.provider_raw"] = rawProvider;
        }

        if (draft.ResponseModel is { } responseModel)
        {
            extra["gen_ai.response.model"] = responseModel;
        }

        if (requestModel is not null)
        {
            extra["gen_ai.request.model"] = requestModel;
        }

        if (span.ParentSpanId is not null)
        {
            extra["otel.parent_span_id"] = span.ParentSpanId;
        }

        return JsonSerializer.Serialize(extra, QuellJsonContext.Default.DictionaryStringObject);
    }

    /// <summary>A label from the span, its resource, or a convention's properties (association properties, metadata).</summary>
    private string? FirstLabel(OtlpSpan span, CallDraft draft, IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            if (Label(span.Attributes.GetValueOrDefault(key)) is { } v)
            {
                return Clip(v);
            }

            if (Label(draft.Properties.GetValueOrDefault(key)) is { } p)
            {
                return Clip(p);
            }

            if (Label(span.Resource.GetValueOrDefault(key)) is { } r)
            {
                return Clip(r);
            }
        }

        return null;
    }

    private string? Clip(string? s) => s is not null && s.Length > limits.MaxLabelChars ? s[..limits.MaxLabelChars] : s;

    private static string? ResourceStr(IReadOnlyDictionary<string, object?> attrs, string key) => attrs.GetValueOrDefault(key) as string;

    private static bool IsHex(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    internal static DateTimeOffset FromUnixNano(ulong nanos) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));
}
