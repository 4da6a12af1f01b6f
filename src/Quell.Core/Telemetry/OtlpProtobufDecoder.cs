namespace Quell.Telemetry;

/// <summary>Decodes an OTLP ExportTraceServiceRequest in protobuf binary form into spans.</summary>
public static class OtlpProtobufDecoder
{
    private const int MaxValueDepth = 16;

    /// <summary>Decodes all spans; throws <see cref="ProtoFormatException"/> naming the byte where the payload breaks.</summary>
    public static List<OtlpSpan> Decode(ReadOnlySpan<byte> payload)
    {
        var spans = new List<OtlpSpan>();
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                ReadResourceSpans(reader.ReadMessage(), spans);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return spans;
    }

    private static void ReadResourceSpans(ProtoReader reader, List<OtlpSpan> spans)
    {
        IReadOnlyDictionary<string, object?> resource = OtlpSpan.EmptyAttributes;
        var first = spans.Count;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                var attrs = new Dictionary<string, object?>(StringComparer.Ordinal);
                var r = reader.ReadMessage();
                while (r.TryReadTag(out var f, out var w))
                {
                    if (f == 1 && w == 2)
                    {
                        ReadKeyValue(r.ReadMessage(), attrs, 0);
                    }
                    else
                    {
                        r.Skip(w);
                    }
                }

                resource = attrs;
            }
            else if ((field == 2 || field == 1000) && wire == 2)
            {
                ReadScopeSpans(reader.ReadMessage(), spans);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        // The resource may follow its spans on the wire; attach it once the message is complete.
        for (var i = first; i < spans.Count; i++)
        {
            spans[i].Resource = resource;
        }
    }

    private static void ReadScopeSpans(ProtoReader reader, List<OtlpSpan> spans)
    {
        var first = spans.Count;
        string? scope = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                scope = ReadScopeName(reader.ReadMessage());
            }
            else if (field == 2 && wire == 2)
            {
                spans.Add(ReadSpan(reader.ReadMessage()));
            }
            else
            {
                reader.Skip(wire);
            }
        }

        for (var i = first; i < spans.Count; i++)
        {
            spans[i].Scope = scope;
        }
    }

    /// <summary>The name of an InstrumentationScope message.</summary>
    internal static string? ReadScopeName(ProtoReader reader)
    {
        string? name = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                name = reader.ReadString();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return name;
    }

    /// <summary>The attributes of a Resource message.</summary>
    internal static Dictionary<string, object?> ReadResource(ProtoReader r)
    {
        var attrs = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (r.TryReadTag(out var f, out var w))
        {
            if (f == 1 && w == 2)
            {
                ReadKeyValue(r.ReadMessage(), attrs, 0);
            }
            else
            {
                r.Skip(w);
            }
        }

        return attrs;
    }

    private static OtlpSpan ReadSpan(ProtoReader reader)
    {
        var span = new OtlpSpan();
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 2:
                    span.TraceId = Convert.ToHexStringLower(reader.ReadBytes(out _));
                    break;
                case 2 when wire == 2:
                    span.SpanId = Convert.ToHexStringLower(reader.ReadBytes(out _));
                    break;
                case 4 when wire == 2:
                    var parent = reader.ReadBytes(out _);
                    span.ParentSpanId = parent.IsEmpty ? null : Convert.ToHexStringLower(parent);
                    break;
                case 5 when wire == 2:
                    span.Name = reader.ReadString();
                    break;
                case 6 when wire == 0:
                    span.Kind = (int)reader.ReadVarint();
                    break;
                case 7 when wire == 1:
                    span.StartUnixNano = reader.ReadFixed64();
                    break;
                case 8 when wire == 1:
                    span.EndUnixNano = reader.ReadFixed64();
                    break;
                case 9 when wire == 2:
                    ReadKeyValue(reader.ReadMessage(), span.Attributes, 0);
                    break;
                case 11 when wire == 2:
                    span.Events.Add(ReadEvent(reader.ReadMessage()));
                    break;
                case 15 when wire == 2:
                    ReadStatus(reader.ReadMessage(), span);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return span;
    }

    private static OtlpEvent ReadEvent(ProtoReader reader)
    {
        ulong time = 0;
        var name = string.Empty;
        var attrs = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 1:
                    time = reader.ReadFixed64();
                    break;
                case 2 when wire == 2:
                    name = reader.ReadString();
                    break;
                case 3 when wire == 2:
                    ReadKeyValue(reader.ReadMessage(), attrs, 0);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return new OtlpEvent(name, time, attrs);
    }

    private static void ReadStatus(ProtoReader reader, OtlpSpan span)
    {
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 2 when wire == 2:
                    span.StatusMessage = reader.ReadString();
                    break;
                case 3 when wire == 0:
                    span.StatusCode = (int)reader.ReadVarint();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    internal static void ReadKeyValue(ProtoReader reader, Dictionary<string, object?> into, int depth)
    {
        string? key = null;
        object? value = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                key = reader.ReadString();
            }
            else if (field == 2 && wire == 2)
            {
                value = ReadAnyValue(reader.ReadMessage(), depth + 1);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        if (key is not null)
        {
            into[key] = value;
        }
    }

    internal static object? ReadAnyValue(ProtoReader reader, int depth)
    {
        if (depth > MaxValueDepth)
        {
            throw new ProtoFormatException($"attribute values nested deeper than {MaxValueDepth}", reader.Position);
        }

        object? value = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 2:
                    value = reader.ReadString();
                    break;
                case 2 when wire == 0:
                    value = reader.ReadVarint() != 0;
                    break;
                case 3 when wire == 0:
                    value = (long)reader.ReadVarint();
                    break;
                case 4 when wire == 1:
                    value = reader.ReadDouble();
                    break;
                case 5 when wire == 2:
                    var items = new List<object?>();
                    var array = reader.ReadMessage();
                    while (array.TryReadTag(out var f, out var w))
                    {
                        if (f == 1 && w == 2)
                        {
                            items.Add(ReadAnyValue(array.ReadMessage(), depth + 1));
                        }
                        else
                        {
                            array.Skip(w);
                        }
                    }

                    value = items.ToArray();
                    break;
                case 6 when wire == 2:
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    var list = reader.ReadMessage();
                    while (list.TryReadTag(out var f, out var w))
                    {
                        if (f == 1 && w == 2)
                        {
                            ReadKeyValue(list.ReadMessage(), map, depth + 1);
                        }
                        else
                        {
                            list.Skip(w);
                        }
                    }

                    value = map;
                    break;
                case 7 when wire == 2:
                    value = Convert.ToBase64String(reader.ReadBytes(out _));
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return value;
    }
}
