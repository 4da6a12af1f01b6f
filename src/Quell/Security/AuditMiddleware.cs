namespace Quell.Security;

/// <summary>Records every request that may change state (anything but GET, HEAD, OPTIONS), refused ones included.</summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditLog log, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        var status = 500;
        try
        {
            await next(http).ConfigureAwait(false);
            status = http.Response.StatusCode;
        }
        finally
        {
            var user = http.User;
            var authenticated = user.Identity?.IsAuthenticated == true;
            await log.AppendAsync(
                new AuditEntry
                {
                    At = time.GetUtcNow(),
                    KeyId = authenticated ? user.KeyId() : null,
                    Actor = authenticated ? user.Actor() : "anonymous",
                    Method = http.Request.Method,
                    Path = Truncate(http.Request.Path.Value, 512) ?? "/",
                    Route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText,
                    Status = status,
                    RemoteAddress = http.Connection.RemoteIpAddress?.ToString(),
                    UserAgent = Truncate(http.Request.Headers.UserAgent.ToString(), 200) is { Length: > 0 } agent ? agent : null,
                },
                CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}
