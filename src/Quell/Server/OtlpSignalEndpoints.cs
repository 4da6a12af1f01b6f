using System.Text.Json;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Telemetry;

namespace Quell.Server;

/// <summary>
/// POST /v1/logs and /v1/metrics (OTLP/HTTP, protobuf or JSON). GenAI content log events join their span's
/// call; other log records and all metric data points are counted and acknowledged, so an SDK's default
/// exporters work against Quell without errors.
/// </summary>
public static class OtlpSignalEndpoints
{
    public static async Task<IResult> IngestLogsAsync(HttpContext http, QuellConfig config, LogContentJoin join, IngestMetrics metrics)
    {
        var (request, error) = await ReadAsync(http, config, metrics, "otlp_logs", "ExportLogsServiceRequest").ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        List<OtlpLogRecord> records;
        try
        {
            records = request.Protobuf
                ? OtlpLogsDecoder.DecodeProtobuf(request.Body.Span)
                : OtlpLogsDecoder.DecodeJson(request.Body, config.Limits.MaxJsonDepth * 2);
        }
        catch (Exception ex) when (ex is ProtoFormatException or JsonException or FormatException or InvalidOperationException)
        {
            metrics.Rejected("otlp_logs", "malformed");
            return Malformed(request.Protobuf, "ExportLogsServiceRequest", ex);
        }
        finally
        {
            request.Return();
        }

        var counts = join.AddLogs(records);
        var message = counts.Late == 0
            ? null
            : $"{counts.Late} GenAI content log record(s) arrived after their span's call was stored and were not joined; export logs at least as often as spans";
        return OtlpResponses.Success(request.Protobuf, counts.Late, message, "rejectedLogRecords");
    }

    public static async Task<IResult> IngestMetricsAsync(HttpContext http, QuellConfig config, OtlpSignalMetrics signals, IngestMetrics metrics)
    {
        var (request, error) = await ReadAsync(http, config, metrics, "otlp_metrics", "ExportMetricsServiceRequest").ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        try
        {
            signals.MetricPoints(request.Protobuf
                ? OtlpMetricsDecoder.CountProtobuf(request.Body.Span)
                : OtlpMetricsDecoder.CountJson(request.Body, config.Limits.MaxJsonDepth * 2));
        }
        catch (Exception ex) when (ex is ProtoFormatException or JsonException or FormatException or InvalidOperationException)
        {
            metrics.Rejected("otlp_metrics", "malformed");
            return Malformed(request.Protobuf, "ExportMetricsServiceRequest", ex);
        }
        finally
        {
            request.Return();
        }

        return OtlpResponses.Success(request.Protobuf, 0, null, "rejectedDataPoints");
    }

    private static IResult Malformed(bool protobuf, string message, Exception ex)
    {
        var detail = ex switch
        {
            ProtoFormatException p => $"{p.Message} at byte {p.Position}",
            JsonException { BytePositionInLine: { } b, LineNumber: { } line } j => $"{j.Message.Split(" Path:")[0]} (line {line + 1}, byte {b})",
            _ => ex.Message.Split(" Path:")[0],
        };
        return OtlpResponses.Status(protobuf, 400, $"undecodable {message}: {detail}");
    }

    private static async Task<(OtlpRequest Request, IResult? Error)> ReadAsync(HttpContext http, QuellConfig config, IngestMetrics metrics, string source, string message)
    {
        var contentType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? string.Empty;
        var protobuf = contentType is "application/x-protobuf" or "application/protobuf";
        if (!protobuf && contentType != "application/json")
        {
            metrics.Rejected(source, "unsupported_media_type");
            return (default, OtlpResponses.Status(false, 415, $"Content-Type '{contentType}' is not supported for {message}; use application/x-protobuf or application/json"));
        }

        var body = await RequestBody.ReadAsync(http.Request, config.Limits.MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (body.Error is not null)
        {
            metrics.Rejected(source, body.Status == 413 ? "too_large" : "bad_body");
            return (default, OtlpResponses.Status(protobuf, body.Status, body.Error));
        }

        if (!protobuf && Utf8Validation.CheckJsonText(body.Memory.Span) is { } bad)
        {
            body.Return();
            metrics.Rejected(source, "malformed");
            return (default, OtlpResponses.Status(false, 400, bad.ToString()));
        }

        return (new OtlpRequest(protobuf, body), null);
    }

    private readonly record struct OtlpRequest(bool Protobuf, RequestBody.Result Raw)
    {
        public ReadOnlyMemory<byte> Body => Raw.Memory;

        public void Return() => Raw.Return();
    }
}
