using Microsoft.Net.Http.Headers;
using Quell.Server;

namespace Quell.Security;

/// <summary>
/// Two guards on every request. State-changing requests with a body must carry JSON, NDJSON or OTLP protobuf: the
/// content types a cross-site form or a no-preflight fetch cannot send (text/plain, form data), so a page an operator
/// opens cannot post to Quell even before the header key is checked. Every response gets security headers.
/// </summary>
public sealed class RequestGuards(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        http.Response.OnStarting(static state => AddHeaders((HttpContext)state), http);
        var request = http.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
            && HasBody(request) && !IsAcceptedType(request.ContentType))
        {
            var shown = string.IsNullOrEmpty(request.ContentType) ? "none" : request.ContentType.Split(';')[0].Trim();
            return Problems.Create(
                StatusCodes.Status415UnsupportedMediaType,
                "Unsupported media type",
                $"Content-Type '{shown}' is not accepted for {request.Method}; send application/json (application/x-ndjson for call batches, application/x-protobuf for OTLP)")
                .ExecuteAsync(http);
        }

        return next(http);
    }

    internal static bool IsAcceptedType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var parsed))
        {
            return false;
        }

        var type = parsed.MediaType.Value?.ToLowerInvariant();
        return type is "application/json" or "application/x-ndjson" or "application/jsonl" or "application/x-protobuf" or "application/protobuf"
            || (type?.StartsWith("application/", StringComparison.Ordinal) == true && type.EndsWith("+json", StringComparison.Ordinal));
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static Task AddHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.TryAdd("X-Frame-Options", "DENY");
        headers.TryAdd("Referrer-Policy", "no-referrer");
        headers.TryAdd("Cross-Origin-Resource-Policy", "same-origin");
        headers.TryAdd("Cross-Origin-Opener-Policy", "same-origin");
        if (!headers.ContainsKey(HeaderNames.ContentSecurityPolicy))
        {
            // Pages (the web console) may load their own scripts and styles; API answers may load nothing.
            var html = http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
            headers.ContentSecurityPolicy = html
                ? "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
                : "default-src 'none'; frame-ancestors 'none'";
        }

        if (http.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) && !headers.ContainsKey(HeaderNames.CacheControl))
        {
            headers.CacheControl = "no-store";
        }

        if (http.Request.IsHttps)
        {
            headers.TryAdd(HeaderNames.StrictTransportSecurity, "max-age=31536000");
        }

        return Task.CompletedTask;
    }
}
