using System.Globalization;
using System.Text;
using System.Text.Json;
using Quell.Calls;
using Quell.Ingest;

namespace Quell.Telemetry;

/// <summary>Maps OTLP spans that describe GenAI calls onto call records; other spans are counted and skipped.</summary>
public sealed class GenAiSpanMapper(GenAiAttributeNames names, IngestLimits limits, TimeProvider time)
{
    private static readonly string[] InputTokenKeys = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "gen_ai.response.input_tokens", "llm.usage.prompt_tokens"];
    private static readonly string[] OutputTokenKeys = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "gen_ai.response.output_tokens", "llm.usage.completion_tokens"];
    private static readonly string[] CachedTokenKeys = ["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cached_input_tokens", "gen_ai.usage.input_tokens.cached"];
    private static readonly string[] ProviderKeys = ["gen_ai.provider.name", "gen_ai.system"];
    private static readonly string[] ModelKeys = ["gen_ai.request.model", "gen_ai.response.model"];

    /// <summary>True when the span describes a model, embedding, tool or agent call.</summary>
    public static bool IsGenAi(OtlpSpan span)
    {
        foreach (var key in span.Attributes.Keys)
        {
            if (key.StartsWith("gen_ai.", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Maps every span; non-GenAI spans are skipped and counted, bad GenAI spans become errors.</summary>
    public DecodedBatch<CallRecord> Map(IReadOnlyList<OtlpSpan> spans)
    {
        var records = new List<CallRecord>(spans.Count);
        var errors = new List<RecordError>();
        var skipped = 0;
        var now = time.GetUtcNow();
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            if (!IsGenAi(span))
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

            records.Add(ToCall(span));
        }

        return new DecodedBatch<CallRecord>(records, errors, skipped);
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

        foreach (var key in InputTokenKeys.Concat(OutputTokenKeys).Concat(CachedTokenKeys))
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

    private CallRecord ToCall(OtlpSpan span)
    {
        var start = FromUnixNano(span.StartUnixNano);
        var operation = Str(span, "gen_ai.operation.name") ?? OperationFromName(span.Name);
        var requestModel = Str(span, "gen_ai.request.model");
        var responseModel = Str(span, "gen_ai.response.model");
        var modelVersion = FirstLabel(span, names.ModelVersion);
        if (modelVersion == requestModel && responseModel is null)
        {
            modelVersion = null;
        }

        var errorType = Str(span, "error.type");
        var isError = span.StatusCode == 2 || errorType is not null;
        var feature = FirstLabel(span, names.Feature)
            ?? (names.FeatureFromServiceName ? Str(span.Resource, "service.name") : null);

        return new CallRecord
        {
            Id = span.TraceId + "-" + span.SpanId,
            Timestamp = start,
            Tenant = FirstLabel(span, names.Tenant),
            User = FirstLabel(span, names.User),
            Feature = feature,
            Operation = operation,
            Provider = FirstLabel(span, ProviderKeys),
            Model = requestModel ?? responseModel,
            ModelVersion = modelVersion,
            Region = FirstLabel(span, names.Region),
            PromptVersion = FirstLabel(span, names.PromptVersion),
            TraceId = span.TraceId,
            SessionId = FirstLabel(span, names.Session),
            LatencyMs = span.EndUnixNano == 0 ? null : (span.EndUnixNano - span.StartUnixNano) / 1_000_000d,
            TtftMs = TimeToFirstToken(span),
            InputTokens = Tokens(span, InputTokenKeys),
            OutputTokens = Tokens(span, OutputTokenKeys),
            CachedInputTokens = Tokens(span, CachedTokenKeys),
            CostUsd = AsDouble(Get(span, "gen_ai.usage.cost") ?? Get(span, "gen_ai.cost.usd") ?? Get(span, "quell.cost_usd")),
            Status = isError ? CallStatus.Error : CallStatus.Ok,
            ErrorType = isError ? ErrorTypes.Normalize(errorType ?? span.StatusMessage) : null,
            Input = MessagesText(Get(span, "gen_ai.input.messages")) ?? Str(span, "gen_ai.prompt") ?? EventText(span, "gen_ai.user.message"),
            Output = MessagesText(Get(span, "gen_ai.output.messages")) ?? Str(span, "gen_ai.completion") ?? EventText(span, "gen_ai.choice"),
            SystemPrompt = MessagesText(Get(span, "gen_ai.system_instructions")) ?? EventText(span, "gen_ai.system.message"),
            ToolCalls = ToolCalls(span),
            AttributesJson = ExtraAttributes(span),
        };
    }

    private static string OperationFromName(string name)
    {
        var space = name.IndexOf(' ', StringComparison.Ordinal);
        var first = space > 0 ? name[..space] : name;
        return first is "chat" or "embeddings" or "text_completion" or "generate_content" or "execute_tool" or "invoke_agent" or "create_agent"
            ? first
            : "chat";
    }

    private static double? TimeToFirstToken(OtlpSpan span)
    {
        if (AsDouble(Get(span, "quell.ttft_ms")) is { } ms)
        {
            return ms;
        }

        // Seconds, as the GenAI server metric gen_ai.server.time_to_first_token is specified.
        if (AsDouble(Get(span, "gen_ai.server.time_to_first_token") ?? Get(span, "gen_ai.response.time_to_first_chunk")) is { } seconds)
        {
            return seconds * 1000;
        }

        return null;
    }

    private static IReadOnlyList<ToolCallRecord> ToolCalls(OtlpSpan span)
    {
        var name = Str(span, "gen_ai.tool.name");
        if (name is null)
        {
            return [];
        }

        var args = Str(span, "gen_ai.tool.call.arguments");
        return [new ToolCallRecord(name, args is null ? null : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(args)))[..16])];
    }

    private static string? ExtraAttributes(OtlpSpan span)
    {
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal) { ["otel.span_name"] = span.Name };
        foreach (var key in (string[])["gen_ai.response.finish_reasons", "gen_ai.response.id", "gen_ai.request.temperature", "gen_ai.request.max_tokens", "server.address", "gen_ai.agent.name", "gen_ai.tool.name"])
        {
            if (span.Attributes.TryGetValue(key, out var v) && v is not null)
            {
                extra[key] = v;
            }
        }

        if (span.ParentSpanId is not null)
        {
            extra["otel.parent_span_id"] = span.ParentSpanId;
        }

        return JsonSerializer.Serialize(extra, QuellJsonContext.Default.DictionaryStringObject);
    }

    private string? FirstLabel(OtlpSpan span, IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            if (Label(span.Attributes.GetValueOrDefault(key)) is { } v)
            {
                return v;
            }

            if (Label(span.Resource.GetValueOrDefault(key)) is { } r)
            {
                return r;
            }
        }

        return null;

        string? Label(object? value) => value switch
        {
            null => null,
            string s when s.Length == 0 => null,
            string s => s.Length > limits.MaxLabelChars ? s[..limits.MaxLabelChars] : s,
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => d.ToString(CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            _ => null,
        };
    }

    private static object? Get(OtlpSpan span, string key) =>
        span.Attributes.TryGetValue(key, out var v) ? v : span.Resource.GetValueOrDefault(key);

    private static string? Str(OtlpSpan span, string key) => Get(span, key) as string is { Length: > 0 } s ? s : null;

    private static string? Str(IReadOnlyDictionary<string, object?> attrs, string key) => attrs.GetValueOrDefault(key) as string;

    private static long Tokens(OtlpSpan span, string[] keys)
    {
        foreach (var key in keys)
        {
            if (AsDouble(Get(span, key)) is { } d)
            {
                return (long)d;
            }
        }

        return 0;
    }

    private static double? AsDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    private static string? EventText(OtlpSpan span, string eventName)
    {
        StringBuilder? sb = null;
        foreach (var e in span.Events)
        {
            if (e.Name != eventName)
            {
                continue;
            }

            var text = e.Attributes.GetValueOrDefault("content") as string ?? MessagesText(e.Attributes.GetValueOrDefault("message"));
            if (text is not null)
            {
                (sb ??= new StringBuilder()).Append(sb.Length > 0 ? "\n" : string.Empty).Append(text);
            }
        }

        return sb?.ToString();
    }

    /// <summary>Extracts the text parts of GenAI message JSON (gen_ai.input.messages and friends), or the string itself.</summary>
    internal static string? MessagesText(object? value)
    {
        if (value is not string s || s.Length == 0)
        {
            return value is object?[] parts ? string.Join("\n", parts.OfType<string>()) : null;
        }

        var trimmed = s.AsSpan().TrimStart();
        if (trimmed.Length == 0 || (trimmed[0] != '[' && trimmed[0] != '{'))
        {
            return s;
        }

        try
        {
            using var doc = JsonDocument.Parse(s, new JsonDocumentOptions { MaxDepth = 32 });
            var sb = new StringBuilder();
            Collect(doc.RootElement, sb, 0);
            return sb.Length == 0 ? s : sb.ToString();
        }
        catch (JsonException)
        {
            return s;
        }
    }

    private static void Collect(JsonElement e, StringBuilder sb, int depth)
    {
        if (depth > 16)
        {
            return;
        }

        switch (e.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    Collect(item, sb, depth + 1);
                }

                break;
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name is "content" or "text" && p.Value.ValueKind == JsonValueKind.String)
                    {
                        sb.Append(sb.Length > 0 ? "\n" : string.Empty).Append(p.Value.GetString());
                    }
                    else if (p.Name is "parts" or "content" or "messages")
                    {
                        Collect(p.Value, sb, depth + 1);
                    }
                }

                break;
        }
    }

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

    private static DateTimeOffset FromUnixNano(ulong nanos) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));
}
