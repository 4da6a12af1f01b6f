using System.Text.Json;

namespace Quell.Telemetry;

/// <summary>Decodes an OTLP ExportLogsServiceRequest, protobuf or JSON, into log records.</summary>
public static class OtlpLogsDecoder
{
    /// <summary>Protobuf; throws <see cref="ProtoFormatException"/> naming the byte where the payload breaks.</summary>
    public static List<OtlpLogRecord> DecodeProtobuf(ReadOnlySpan<byte> payload)
    {
        var records = new List<OtlpLogRecord>();
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                ReadResourceLogs(reader.ReadMessage(), records);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return records;
    }

    /// <summary>JSON; throws <see cref="JsonException"/> or <see cref="FormatException"/> with what is wrong.</summary>
    public static List<OtlpLogRecord> DecodeJson(ReadOnlyMemory<byte> payload, int maxDepth = 64)
    {
        using var doc = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = maxDepth });
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("expected an ExportLogsServiceRequest object at the top level");
        }

        var records = new List<OtlpLogRecord>();
        foreach (var rl in OtlpJsonDecoder.Array(root, "resourceLogs", "resource_logs"))
        {
            IReadOnlyDictionary<string, object?> resource = OtlpSpan.EmptyAttributes;
            if (OtlpJsonDecoder.Get(rl, "resource") is { ValueKind: JsonValueKind.Object } res)
            {
                var attrs = new Dictionary<string, object?>(StringComparer.Ordinal);
                OtlpJsonDecoder.ReadAttributes(res, attrs, 0);
                resource = attrs;
            }

            foreach (var sl in OtlpJsonDecoder.Array(rl, "scopeLogs", "scope_logs"))
            {
                var scope = OtlpJsonDecoder.ScopeName(sl);
                foreach (var l in OtlpJsonDecoder.Array(sl, "logRecords", "log_records"))
                {
                    if (l.ValueKind != JsonValueKind.Object)
                    {
                        throw new FormatException("a log record must be a JSON object");
                    }

                    var record = new OtlpLogRecord
                    {
                        TraceId = OtlpJsonDecoder.Id(l, "traceId", "trace_id"),
                        SpanId = OtlpJsonDecoder.Id(l, "spanId", "span_id"),
                        EventName = (OtlpJsonDecoder.Get(l, "eventName") ?? OtlpJsonDecoder.Get(l, "event_name")) is { ValueKind: JsonValueKind.String } e ? e.GetString()! : string.Empty,
                        TimeUnixNano = (ulong)OtlpJsonDecoder.Integer(OtlpJsonDecoder.Get(l, "timeUnixNano") ?? OtlpJsonDecoder.Get(l, "time_unix_nano")),
                        Scope = scope,
                        Resource = resource,
                        Body = OtlpJsonDecoder.Get(l, "body") is { } body ? OtlpJsonDecoder.ReadAnyValue(body, 1) : null,
                    };
                    OtlpJsonDecoder.ReadAttributes(l, record.Attributes, 0);
                    Finish(record);
                    records.Add(record);
                }
            }
        }

        return records;
    }

    private static void ReadResourceLogs(ProtoReader reader, List<OtlpLogRecord> records)
    {
        IReadOnlyDictionary<string, object?> resource = OtlpSpan.EmptyAttributes;
        var first = records.Count;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                resource = OtlpProtobufDecoder.ReadResource(reader.ReadMessage());
            }
            else if (field == 2 && wire == 2)
            {
                ReadScopeLogs(reader.ReadMessage(), records);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        for (var i = first; i < records.Count; i++)
        {
            records[i].Resource = resource;
        }
    }

    private static void ReadScopeLogs(ProtoReader reader, List<OtlpLogRecord> records)
    {
        var first = records.Count;
        string? scope = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                scope = OtlpProtobufDecoder.ReadScopeName(reader.ReadMessage());
            }
            else if (field == 2 && wire == 2)
            {
                records.Add(ReadLogRecord(reader.ReadMessage()));
            }
            else
            {
                reader.Skip(wire);
            }
        }

        for (var i = first; i < records.Count; i++)
        {
            records[i].Scope = scope;
        }
    }

    private static OtlpLogRecord ReadLogRecord(ProtoReader reader)
    {
        var record = new OtlpLogRecord();
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 1:
                    record.TimeUnixNano = reader.ReadFixed64();
                    break;
                case 5 when wire == 2:
                    record.Body = OtlpProtobufDecoder.ReadAnyValue(reader.ReadMessage(), 1);
                    break;
                case 6 when wire == 2:
                    OtlpProtobufDecoder.ReadKeyValue(reader.ReadMessage(), record.Attributes, 0);
                    break;
                case 9 when wire == 2:
                    record.TraceId = Convert.ToHexStringLower(reader.ReadBytes(out _));
                    break;
                case 10 when wire == 2:
                    record.SpanId = Convert.ToHexStringLower(reader.ReadBytes(out _));
                    break;
                case 12 when wire == 2:
                    record.EventName = reader.ReadString();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        Finish(record);
        return record;
    }

    private static void Finish(OtlpLogRecord record)
    {
        if (record.EventName.Length == 0 && record.Attributes.GetValueOrDefault("event.name") is string name)
        {
            record.EventName = name;
        }
    }
}
