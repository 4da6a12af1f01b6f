using System.Globalization;
using System.Text;
using System.Text.Json;
using Quell.Calls;

namespace Quell.Benchmarks;

/// <summary>Builds OTLP export requests (protobuf and JSON) for call records, as a GenAI-instrumented app would send them.</summary>
internal static class OtlpTestPayloads
{
    public static byte[] Protobuf(IReadOnlyList<CallRecord> calls)
    {
        var scope = new List<byte>();
        foreach (var c in calls)
        {
            var span = new List<byte>();
            Bytes(span, 1, Convert.FromHexString(c.TraceId!));
            Bytes(span, 2, Convert.FromHexString(Hash16(c.Id)));
            Bytes(span, 5, Encoding.UTF8.GetBytes($"chat {c.Model}"));
            span.Add(0x30);
            span.Add(3);
            var start = (ulong)(c.Timestamp.ToUnixTimeMilliseconds() * 1_000_000);
            Fixed64(span, 7, start);
            Fixed64(span, 8, start + (ulong)((c.LatencyMs ?? 0) * 1_000_000));
            foreach (var (k, v) in Attributes(c))
            {
                var kv = new List<byte>();
                Bytes(kv, 1, Encoding.UTF8.GetBytes(k));
                var any = new List<byte>();
                if (v is long l)
                {
                    any.Add(0x18);
                    Varint(any, (ulong)l);
                }
                else
                {
                    Bytes(any, 1, Encoding.UTF8.GetBytes((string)v));
                }

                Bytes(kv, 2, [.. any]);
                Bytes(span, 9, [.. kv]);
            }

            Bytes(scope, 2, [.. span]);
        }

        var resourceSpans = new List<byte>();
        Bytes(resourceSpans, 2, [.. scope]);
        var request = new List<byte>();
        Bytes(request, 1, [.. resourceSpans]);
        return [.. request];
    }

    public static byte[] Json(IReadOnlyList<CallRecord> calls)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("resourceSpans");
            w.WriteStartObject();
            w.WriteStartArray("scopeSpans");
            w.WriteStartObject();
            w.WriteStartArray("spans");
            foreach (var c in calls)
            {
                var start = c.Timestamp.ToUnixTimeMilliseconds() * 1_000_000;
                w.WriteStartObject();
                w.WriteString("traceId", c.TraceId);
                w.WriteString("spanId", Hash16(c.Id));
                w.WriteString("name", $"chat {c.Model}");
                w.WriteNumber("kind", 3);
                w.WriteString("startTimeUnixNano", start.ToString(CultureInfo.InvariantCulture));
                w.WriteString("endTimeUnixNano", (start + (long)((c.LatencyMs ?? 0) * 1_000_000)).ToString(CultureInfo.InvariantCulture));
                w.WriteStartArray("attributes");
                foreach (var (k, v) in Attributes(c))
                {
                    w.WriteStartObject();
                    w.WriteString("key", k);
                    w.WriteStartObject("value");
                    if (v is long l)
                    {
                        w.WriteString("intValue", l.ToString(CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        w.WriteString("stringValue", (string)v);
                    }

                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static IEnumerable<(string, object)> Attributes(CallRecord c)
    {
        yield return ("gen_ai.operation.name", c.Operation);
        yield return ("gen_ai.provider.name", c.Provider ?? "openai");
        yield return ("gen_ai.request.model", c.Model ?? "gpt-4o");
        yield return ("gen_ai.response.model", c.ModelVersion ?? c.Model ?? "gpt-4o");
        yield return ("gen_ai.usage.input_tokens", c.InputTokens);
        yield return ("gen_ai.usage.output_tokens", c.OutputTokens);
        yield return ("tenant.id", c.Tenant ?? "t");
        yield return ("enduser.id", c.User ?? "u");
        yield return ("quell.feature", c.Feature ?? "f");
        yield return ("quell.prompt_version", c.PromptVersion ?? "v1");
        yield return ("cloud.region", c.Region ?? "us-east");
        if (c.Input is not null)
        {
            yield return ("gen_ai.input.messages", JsonSerializer.Serialize(new[] { new Dictionary<string, string> { ["role"] = "user", ["content"] = c.Input } }));
        }

        if (c.Output is not null)
        {
            yield return ("gen_ai.output.messages", JsonSerializer.Serialize(new[] { new Dictionary<string, string> { ["role"] = "assistant", ["content"] = c.Output } }));
        }
    }

    private static string Hash16(string id) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..16];

    private static void Bytes(List<byte> into, int field, byte[] bytes)
    {
        Varint(into, (ulong)((field << 3) | 2));
        Varint(into, (ulong)bytes.Length);
        into.AddRange(bytes);
    }

    private static void Fixed64(List<byte> into, int field, ulong value)
    {
        Varint(into, (ulong)((field << 3) | 1));
        into.AddRange(BitConverter.GetBytes(value));
    }

    private static void Varint(List<byte> into, ulong value)
    {
        while (value >= 0x80)
        {
            into.Add((byte)(value | 0x80));
            value >>= 7;
        }

        into.Add((byte)value);
    }
}
