using System.Globalization;
using Quell.Configuration;
using Quell.Ingest;

namespace Quell.Server;

/// <summary>
/// Every request with a body passes here before its endpoint: overload is refused before anything is read
/// (ingest queue full: 429; too many bodies or bytes in flight: 503, both with Retry-After), then the body is read
/// once under the size cap (413) and, for JSON, checked for invalid UTF-8 and unpaired surrogate escapes (400 naming
/// the byte), so every endpoint gets the same answers for the same bad bytes.
/// </summary>
public sealed class BodyAdmission(RequestDelegate next, QuellConfig config, BodyBudget budget, IngestQueue queue, IngestMetrics metrics)
{
    // These decode NDJSON line by line and report a bad line as a refused record, keeping the good ones.
    private static readonly HashSet<string> BatchPaths = new(StringComparer.OrdinalIgnoreCase) { "/api/v1/calls", "/api/v1/evals", "/api/v1/feedback", "/api/v1/changes" };
    private static readonly HashSet<string> IngestPaths = new(StringComparer.OrdinalIgnoreCase) { "/api/v1/calls", "/v1/traces", "/v1/logs", "/v1/metrics" };

    public async Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HasBody(request))
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        var path = request.Path.Value ?? string.Empty;
        var retryAfter = config.Queue.RetryAfterSeconds;
        if (IngestPaths.Contains(path) && (queue.QueuedCalls >= config.Queue.Capacity || queue.IsFaulted))
        {
            var faulted = queue.IsFaulted;
            metrics.Rejected(Source(path), faulted ? "unavailable" : "queue_full");
            await RefuseAsync(http, faulted ? 503 : 429, faulted ? "storage is unavailable; nothing was read; retry later" : "the ingest queue is full; nothing was read; retry after the indicated delay", faulted ? retryAfter * 5 : retryAfter).ConfigureAwait(false);
            return;
        }

        var declared = Math.Clamp(request.ContentLength ?? 0, 0, config.Limits.MaxBodyBytes);
        if (!budget.TryEnter(declared))
        {
            metrics.Rejected(Source(path), "busy");
            await RefuseAsync(http, 503, $"the server is reading as many request bodies as it allows ({budget.MaxBodies} bodies, {budget.MaxBytes} bytes); nothing was read; retry later", retryAfter).ConfigureAwait(false);
            return;
        }

        var charged = declared;
        RequestBody.Result body = default;
        try
        {
            body = await RequestBody.ReadAsync(request, config.Limits.MaxBodyBytes, grow: more =>
            {
                if (!budget.TryGrow(more))
                {
                    return false;
                }

                charged += more;
                return true;
            }, http.RequestAborted).ConfigureAwait(false);
            if (body.Error is not null)
            {
                metrics.Rejected(Source(path), body.Status == 413 ? "too_large" : body.Status == 503 ? "busy" : "bad_body");
                await RefuseAsync(http, body.Status, body.Error, body.Status == 503 ? retryAfter : null).ConfigureAwait(false);
                return;
            }

            if (!BatchPaths.Contains(path) && TextProblem(request, body.Memory.Span) is { } bad)
            {
                metrics.Rejected(Source(path), "malformed");
                await RefuseAsync(http, 400, bad.ToString(), null, bad.BytePosition).ConfigureAwait(false);
                return;
            }

            http.Features.Set(new BufferedBody(body.Bytes!, body.Length));
            request.Body = new MemoryStream(body.Bytes!, 0, body.Length, writable: false);
            request.Headers.ContentEncoding = default;
            request.ContentLength = body.Length;
            await next(http).ConfigureAwait(false);
        }
        finally
        {
            // Kestrel keeps a connection's request features until its next request: without this, every idle
            // keep-alive connection would hold the last body it carried (a 19 MB body per connection after a burst).
            if (body.Bytes is not null)
            {
                http.Features.Set<BufferedBody?>(null);
                request.Body = Stream.Null;
            }

            body.Return();
            budget.Leave(charged);
        }
    }

    private static bool HasBody(HttpRequest request) =>
        request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;

    private static DecodeFailure? TextProblem(HttpRequest request, ReadOnlySpan<byte> body)
    {
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? string.Empty;
        if (type.Contains("protobuf", StringComparison.Ordinal) || type.StartsWith("application/octet-stream", StringComparison.Ordinal))
        {
            return null;
        }

        if (type.Length == 0 || type.Contains("json", StringComparison.Ordinal))
        {
            return Utf8Validation.CheckJsonText(body);
        }

        return Utf8Validation.InvalidUtf8At(body) is { } at ? new DecodeFailure("body is not valid UTF-8", at) : null;
    }

    private static string Source(string path) => path.Trim('/').Replace("api/v1/", string.Empty, StringComparison.OrdinalIgnoreCase) switch
    {
        "calls" => "native",
        "v1/traces" => "otlp",
        var other => other.Split('/')[0],
    };

    private static async Task RefuseAsync(HttpContext http, int status, string message, int? retryAfterSeconds, long? bytePosition = null)
    {
        if (retryAfterSeconds is { } s)
        {
            http.Response.Headers.RetryAfter = s.ToString(CultureInfo.InvariantCulture);
        }

        var path = http.Request.Path.Value ?? string.Empty;
        IResult result;
        if (path.StartsWith("/v1/", StringComparison.OrdinalIgnoreCase))
        {
            var protobuf = http.Request.ContentType?.Contains("protobuf", StringComparison.OrdinalIgnoreCase) == true;
            result = OtlpResponses.Status(protobuf, status, message, retryAfterSeconds);
        }
        else
        {
            var title = status switch
            {
                413 => "Body too large",
                415 => "Unsupported media type",
                429 => "Ingest queue full",
                503 => "Server busy",
                _ => "Unreadable body",
            };
            List<IngestError>? errors = status == 400 ? [new IngestError(0, null, bytePosition is { } b ? $"byte {b}" : "$", message)] : null;
            result = Problems.Create(status, title, message, errors);
        }

        await result.ExecuteAsync(http).ConfigureAwait(false);
    }
}
