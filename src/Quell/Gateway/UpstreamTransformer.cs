using System.Net.Http.Headers;
using Quell.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Quell.Gateway;

/// <summary>
/// Turns the caller's request into the upstream's (the handler has put the possibly rewritten body in place): the upstream's own key in place
/// of the caller's Quell key, Azure's deployment path, no compression (so the answer can be read on the way back).
/// </summary>
internal sealed class UpstreamTransformer(UpstreamConfig upstream, string? upstreamKey, ObservingResponseStream observer, string model) : HttpTransformer
{
    private static readonly string[] CallerHeaders = ["Authorization", "x-api-key", "api-key", "Accept-Encoding", "Cookie"];

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        foreach (var h in CallerHeaders)
        {
            proxyRequest.Headers.Remove(h);
        }

        // The caller's headers name them all; no copy of the upstream request's header list per request.
        foreach (var h in httpContext.Request.Headers.Keys)
        {
            if (h.StartsWith("x-quell-", StringComparison.OrdinalIgnoreCase))
            {
                proxyRequest.Headers.Remove(h);
            }
        }

        var prefix = destinationPrefix.TrimEnd('/');
        var path = httpContext.Request.Path.Value ?? "/";
        switch (upstream.Kind)
        {
            case UpstreamKind.Azure:
                // /v1/chat/completions → /openai/deployments/{model}/chat/completions?api-version=…
                var operation = path.StartsWith("/v1/", StringComparison.Ordinal) ? path[3..] : path;
                proxyRequest.RequestUri = new Uri($"{prefix}/openai/deployments/{Uri.EscapeDataString(model)}{operation}?api-version={Uri.EscapeDataString(upstream.ApiVersion ?? "")}");
                if (upstreamKey is not null)
                {
                    proxyRequest.Headers.TryAddWithoutValidation("api-key", upstreamKey);
                }

                break;
            case UpstreamKind.Anthropic:
                proxyRequest.RequestUri = new Uri(prefix + path);
                if (upstreamKey is not null)
                {
                    proxyRequest.Headers.TryAddWithoutValidation("x-api-key", upstreamKey);
                }

                if (!proxyRequest.Headers.Contains("anthropic-version"))
                {
                    proxyRequest.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
                }

                break;
            default:
                proxyRequest.RequestUri = new Uri(prefix + path);
                if (upstreamKey is not null)
                {
                    proxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", upstreamKey);
                }

                break;
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        observer.EventStream = proxyResponse?.Content.Headers.ContentType?.MediaType == "text/event-stream";
        return proceed;
    }
}
