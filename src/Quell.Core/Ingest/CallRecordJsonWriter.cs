using System.Globalization;
using System.Text.Json;
using Quell.Calls;

namespace Quell.Ingest;

/// <summary>Writes call records in the native JSON shape (what POST /api/v1/calls and JSONL files carry).</summary>
public static class CallRecordJsonWriter
{
    public static void Write(Utf8JsonWriter w, CallRecord c)
    {
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WriteString("timestamp", c.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        Opt(w, "tenant", c.Tenant);
        Opt(w, "user", c.User);
        Opt(w, "feature", c.Feature);
        w.WriteString("operation", c.Operation);
        Opt(w, "provider", c.Provider);
        Opt(w, "model", c.Model);
        Opt(w, "model_version", c.ModelVersion);
        Opt(w, "region", c.Region);
        Opt(w, "prompt_version", c.PromptVersion);
        Opt(w, "trace_id", c.TraceId);
        Opt(w, "session_id", c.SessionId);
        if (c.LatencyMs is { } l)
        {
            w.WriteNumber("latency_ms", l);
        }

        if (c.TtftMs is { } t)
        {
            w.WriteNumber("ttft_ms", t);
        }

        w.WriteNumber("input_tokens", c.InputTokens);
        w.WriteNumber("output_tokens", c.OutputTokens);
        if (c.CachedInputTokens > 0)
        {
            w.WriteNumber("cached_input_tokens", c.CachedInputTokens);
        }

        if (c.CostUsd is { } cost && c.CostSource == CostSource.Reported)
        {
            w.WriteNumber("cost_usd", cost);
        }

        w.WriteString("status", c.IsError ? "error" : "ok");
        Opt(w, "error_type", c.ErrorType);
        Opt(w, "input", c.Input);
        Opt(w, "output", c.Output);
        Opt(w, "system_prompt", c.SystemPrompt);
        if (c.Retrieved.Count > 0)
        {
            w.WriteStartArray("retrieved");
            foreach (var d in c.Retrieved)
            {
                w.WriteStartObject();
                w.WriteString("id", d.Id);
                Opt(w, "tenant", d.Tenant);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (c.ToolCalls.Count > 0)
        {
            w.WriteStartArray("tool_calls");
            foreach (var tc in c.ToolCalls)
            {
                w.WriteStartObject();
                w.WriteString("name", tc.Name);
                Opt(w, "arguments_hash", tc.ArgumentsHash);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (c.AttributesJson is not null)
        {
            w.WritePropertyName("attributes");
            w.WriteRawValue(c.AttributesJson);
        }

        w.WriteEndObject();
    }

    /// <summary>NDJSON for a batch of calls.</summary>
    public static byte[] ToNdjson(IReadOnlyList<CallRecord> calls)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(calls.Count * 700);
        using var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var c in calls)
        {
            Write(w, c);
            w.Flush();
            System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
            w.Reset(buffer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Opt(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
