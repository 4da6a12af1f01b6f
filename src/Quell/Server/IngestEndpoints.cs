using System.Globalization;
using System.Text.Json;
using Quell.Calls;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Telemetry;
using Quell.Security;

namespace Quell.Server;

/// <summary>POST /v1/traces, /v1/logs and /v1/metrics (OTLP/HTTP) and POST /api/v1/calls (native records).</summary>
public static class IngestEndpoints
{
    public static void MapIngest(this IEndpointRouteBuilder app)
    {
        var otlp = app.MapGroup("/v1").RequireScope(Scopes.Ingest);
        otlp.MapPost("/traces", IngestOtlpAsync);
        otlp.MapPost("/logs", OtlpSignalEndpoints.IngestLogsAsync);
        otlp.MapPost("/metrics", OtlpSignalEndpoints.IngestMetricsAsync);
        app.MapGroup("/api/v1/calls").RequireScope(Scopes.Ingest).MapPost(string.Empty, IngestNativeAsync);
    }

    private static async Task<IResult> IngestOtlpAsync(HttpContext http, QuellConfig config, GenAiSpanMapper mapper, LogContentJoin join, IngestService ingest, IngestMetrics metrics, Validation.InputValidator validator, TimeProvider time)
    {
        var contentType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? string.Empty;
        var protobuf = contentType is "application/x-protobuf" or "application/protobuf";
        if (!protobuf && contentType != "application/json")
        {
            metrics.Rejected("otlp", "unsupported_media_type");
            return OtlpResponses.Status(false, 415, $"Content-Type '{contentType}' is not supported; use application/x-protobuf or application/json");
        }

        var body = await RequestBody.ReadAsync(http.Request, config.Limits.MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (body.Error is not null)
        {
            metrics.Rejected("otlp", body.Status == 413 ? "too_large" : "bad_body");
            return OtlpResponses.Status(protobuf, body.Status, body.Error);
        }

        List<OtlpSpan> spans;
        try
        {
            if (protobuf)
            {
                spans = OtlpProtobufDecoder.Decode(body.Memory.Span);
            }
            else
            {
                if (Utf8Validation.CheckJsonText(body.Memory.Span) is { } bad)
                {
                    metrics.Rejected("otlp", "malformed");
                    return OtlpResponses.Status(false, 400, bad.ToString());
                }

                spans = OtlpJsonDecoder.Decode(body.Memory, config.Limits.MaxJsonDepth * 2);
            }
        }
        catch (ProtoFormatException ex)
        {
            metrics.Rejected("otlp", "malformed");
            return OtlpResponses.Status(true, 400, $"undecodable ExportTraceServiceRequest: {ex.Message} at byte {ex.Position}");
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            metrics.Rejected("otlp", "malformed");
            var at = ex is JsonException { BytePositionInLine: { } b, LineNumber: { } line } ? $" (line {line + 1}, byte {b})" : string.Empty;
            return OtlpResponses.Status(protobuf, 400, $"undecodable ExportTraceServiceRequest: {ex.Message.Split(" Path:")[0]}{at}");
        }
        finally
        {
            body.Return();
        }

        // Content sent as log events joins its span's call here, before the append-only log sees the call; the
        // shared input rules then see the call as it will be stored, and a pinned key keeps to its tenant.
        var decoded = mapper.Map(spans);
        var joined = await join.JoinAsync(decoded.Records, ScopesById(spans)).ConfigureAwait(false);
        var mapped = TenantAccess.Pin(http.User, Checked(new DecodedBatch<CallRecord>(joined, decoded.Errors, decoded.Skipped), validator, time.GetUtcNow()));
        if (mapped.Records.Count == 0 && mapped.Errors.Any(e => e.Field == "tenant"))
        {
            metrics.Rejected("otlp", "wrong_tenant", mapped.Errors.Count);
            return OtlpResponses.Status(protobuf, 403, mapped.Errors.First(e => e.Field == "tenant").Message);
        }

        metrics.SkippedSpans(mapped.Skipped);
        if (mapped.Errors.Count > 0)
        {
            metrics.Rejected("otlp", "invalid_span", mapped.Errors.Count);
        }

        var (outcome, result, _) = await ingest.SubmitAsync("otlp", mapped.Records).ConfigureAwait(false);
        switch (outcome)
        {
            case IngestService.Outcome.QueueFull:
                return OtlpResponses.Status(protobuf, 429, "ingest queue is full; retry later", config.Queue.RetryAfterSeconds);
            case IngestService.Outcome.Unavailable:
                return OtlpResponses.Status(protobuf, 503, "storage is unavailable; retry later", config.Queue.RetryAfterSeconds * 5);
        }

        var message = mapped.Errors.Count == 0
            ? null
            : string.Join("; ", mapped.Errors.Take(5).Select(e => $"span {e.Id ?? e.Index.ToString(CultureInfo.InvariantCulture)}: {e.Field} {e.Message}"))
              + (mapped.Errors.Count > 5 ? $"; and {mapped.Errors.Count - 5} more" : string.Empty);
        return OtlpResponses.Success(protobuf, mapped.Errors.Count, message);
    }

    private static Dictionary<string, string?> ScopesById(List<OtlpSpan> spans)
    {
        var scopes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var span in spans)
        {
            if (span.Scope is not null)
            {
                scopes[span.TraceId + "-" + span.SpanId] = span.Scope;
            }
        }

        return scopes;
    }

    // OTLP calls meet the same range rules as native ones once mapped (tokens, costs, times, lengths).
    private static DecodedBatch<CallRecord> Checked(DecodedBatch<CallRecord> mapped, Validation.InputValidator validator, DateTimeOffset now)
    {
        List<CallRecord>? kept = null;
        List<RecordError>? errors = null;
        for (var i = 0; i < mapped.Records.Count; i++)
        {
            var call = mapped.Records[i];
            if (validator.Call(call, now) is { } error)
            {
                kept ??= mapped.Records.Take(i).ToList();
                errors ??= [.. mapped.Errors];
                errors.Add(error with { Index = i });
            }
            else
            {
                kept?.Add(call);
            }
        }

        return kept is null ? mapped : new DecodedBatch<CallRecord>(kept, errors!, mapped.Skipped);
    }

    private static async Task<IResult> IngestNativeAsync(HttpContext http, QuellConfig config, NativeCallDecoder decoder, IngestService ingest, IngestMetrics metrics)
    {
        var (batch, problem) = await RecordBatchRequest.ReadAsync(http, config, decoder, metrics, "native").ConfigureAwait(false);
        if (batch is null)
        {
            return problem!;
        }

        batch = TenantAccess.Pin(http.User, batch);
        if (batch.Records.Count == 0)
        {
            metrics.Rejected("native", "wrong_tenant", batch.Errors.Count);
            return Problems.Create(403, "Wrong tenant", batch.Errors.First(e => e.Field == "tenant").Message, RecordBatchRequest.Errors(batch));
        }

        var errors = RecordBatchRequest.Errors(batch);
        var (outcome, result, unpriced) = await ingest.SubmitAsync("native", batch.Records).ConfigureAwait(false);
        switch (outcome)
        {
            case IngestService.Outcome.QueueFull:
                http.Response.Headers.RetryAfter = config.Queue.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return Problems.Create(429, "Ingest queue full", "the ingest queue is full; nothing in this request was stored; retry after the indicated delay");
            case IngestService.Outcome.Unavailable:
                http.Response.Headers.RetryAfter = (config.Queue.RetryAfterSeconds * 5).ToString(CultureInfo.InvariantCulture);
                return Problems.Create(503, "Storage unavailable", "the calls log could not be written; nothing in this request was stored; retry later");
        }

        var response = new IngestResponse(result.Inserted, result.Duplicates, batch.Errors.Count, errors, unpriced);
        return Results.Json(response, ServerJsonContext.Default.IngestResponse, statusCode: 200);
    }
}
