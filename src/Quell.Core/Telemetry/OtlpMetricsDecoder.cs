using System.Text.Json;

namespace Quell.Telemetry;

/// <summary>Counts the data points of an OTLP ExportMetricsServiceRequest (protobuf or JSON) per metric name.</summary>
public static class OtlpMetricsDecoder
{
    /// <summary>Protobuf; throws <see cref="ProtoFormatException"/> naming the byte where the payload breaks.</summary>
    public static Dictionary<string, long> CountProtobuf(ReadOnlySpan<byte> payload)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field != 1 || wire != 2)
            {
                reader.Skip(wire);
                continue;
            }

            var resourceMetrics = reader.ReadMessage();
            while (resourceMetrics.TryReadTag(out var f, out var w))
            {
                if (f != 2 || w != 2)
                {
                    resourceMetrics.Skip(w);
                    continue;
                }

                var scopeMetrics = resourceMetrics.ReadMessage();
                while (scopeMetrics.TryReadTag(out var sf, out var sw))
                {
                    if (sf == 2 && sw == 2)
                    {
                        CountMetric(scopeMetrics.ReadMessage(), counts);
                    }
                    else
                    {
                        scopeMetrics.Skip(sw);
                    }
                }
            }
        }

        return counts;
    }

    /// <summary>JSON; throws <see cref="JsonException"/> or <see cref="FormatException"/> with what is wrong.</summary>
    public static Dictionary<string, long> CountJson(ReadOnlyMemory<byte> payload, int maxDepth = 64)
    {
        using var doc = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = maxDepth });
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("expected an ExportMetricsServiceRequest object at the top level");
        }

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var rm in OtlpJsonDecoder.Array(doc.RootElement, "resourceMetrics", "resource_metrics"))
        {
            foreach (var sm in OtlpJsonDecoder.Array(rm, "scopeMetrics", "scope_metrics"))
            {
                foreach (var m in OtlpJsonDecoder.Array(sm, "metrics", "metrics"))
                {
                    if (m.ValueKind != JsonValueKind.Object)
                    {
                        throw new FormatException("a metric must be a JSON object");
                    }

                    var name = OtlpJsonDecoder.Get(m, "name") is { ValueKind: JsonValueKind.String } n ? n.GetString()! : string.Empty;
                    long points = 0;
                    foreach (var kind in (string[])["gauge", "sum", "histogram", "exponentialHistogram", "exponential_histogram", "summary"])
                    {
                        if (OtlpJsonDecoder.Get(m, kind) is { ValueKind: JsonValueKind.Object } data)
                        {
                            points += OtlpJsonDecoder.Array(data, "dataPoints", "data_points").LongCount();
                        }
                    }

                    counts[name] = counts.GetValueOrDefault(name) + points;
                }
            }
        }

        return counts;
    }

    private static void CountMetric(ProtoReader metric, Dictionary<string, long> counts)
    {
        var name = string.Empty;
        long points = 0;
        while (metric.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 2:
                    name = metric.ReadString();
                    break;
                case 5 or 7 or 9 or 10 or 11 when wire == 2:
                    var data = metric.ReadMessage();
                    while (data.TryReadTag(out var f, out var w))
                    {
                        if (f == 1 && w == 2)
                        {
                            data.ReadBytes(out _);
                            points++;
                        }
                        else
                        {
                            data.Skip(w);
                        }
                    }

                    break;
                default:
                    metric.Skip(wire);
                    break;
            }
        }

        counts[name] = counts.GetValueOrDefault(name) + points;
    }
}
