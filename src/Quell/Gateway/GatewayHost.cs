using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Quell.Client;
using Quell.Configuration;
using Quell.Pricing;
using Yarp.ReverseProxy.Forwarder;

namespace Quell.Gateway;

/// <summary>How to start a gateway: where it listens, which Quell it reports to, with which key.</summary>
public sealed record GatewayHostOptions
{
    public string Urls { get; init; } = "http://127.0.0.1:4000";

    /// <summary>The Quell server that receives call records, holds the mitigations and checks callers' keys.</summary>
    public required Uri Server { get; init; }

    /// <summary>The gateway's own Quell key (scopes ingest and read): reports calls, follows mitigations, counts shared caps.</summary>
    public required string ApiKey { get; init; }

    public QuellConfig Config { get; init; } = new();
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public bool QuietLogging { get; init; } = true;

    /// <summary>How long the control-plane long-poll waits; tests shorten it.</summary>
    public TimeSpan LongPollWait { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// `quell gateway`: an OpenAI- and Anthropic-compatible proxy on YARP's forwarder. Applications change their base
/// URL and use a Quell key as their API key; the gateway holds the upstream keys, enforces the control plane's
/// mitigations for any language and reports a call record per request.
/// </summary>
public static class GatewayHost
{
    public static WebApplication Build(GatewayHostOptions options)
    {
        var gateway = options.Config.Gateway;
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = gateway.MaxRequestBytes;
            k.AddServerHeader = false;
        });
        ConfigureTransport(builder.WebHost);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(options.QuietLogging ? LogLevel.Warning : LogLevel.Information);

        // ASP.NET Core and YARP log every request and every forward at Information: two or three console lines per
        // call on the hot path. The gateway's own messages and start-up lines stay.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);

        var services = builder.Services;
        services.AddHttpForwarder();
        services.AddSingleton(options.Time);
        services.AddSingleton(gateway);
        services.AddSingleton(_ => PriceTable.Create(options.Config.Prices));
        services.AddSingleton(_ => CreateUpstreamClient());
        services.AddSingleton(_ => new QuellLink(options));
        services.AddSingleton(sp => sp.GetRequiredService<QuellLink>().Connection);
        services.AddSingleton(sp => new ClientKeyVerifier(sp.GetRequiredService<QuellLink>().Anonymous, options.Server, gateway.KeyCacheTtl, options.Time));
        services.AddSingleton(sp => new SharedLedgerClient(sp.GetRequiredService<QuellLink>().Keyed, options.Server));
        services.AddSingleton<GatewayHandler>();

        var app = builder.Build();
        app.MapGet("/healthz", (QuellConnection quell) => Results.Json(new Dictionary<string, object>
        {
            ["status"] = "ok",
            ["mitigations_version"] = quell.Mitigations.Version,
            ["poll_failures"] = quell.PollFailures,
            ["calls_sent"] = quell.SentCalls,
            ["calls_dropped"] = quell.DroppedCalls,
        }));
        Map(app, "/v1/chat/completions", GatewayDialect.ChatCompletions);
        Map(app, "/v1/completions", GatewayDialect.Completions);
        Map(app, "/v1/embeddings", GatewayDialect.Embeddings);
        Map(app, "/v1/responses", GatewayDialect.Responses);
        Map(app, "/v1/messages", GatewayDialect.AnthropicMessages);
        app.Lifetime.ApplicationStopping.Register(() => app.Services.GetRequiredService<QuellLink>().Dispose());
        return app;
    }

    /// <summary>
    /// Kestrel runs the handler on the socket's own I/O thread instead of queueing it to the thread pool: one thread
    /// hand-off fewer per request, which on a small machine is most of a proxy's CPU time (about a fifth of the
    /// gateway's, measured in bench/). Safe because nothing on the request path blocks: key checks, the ledger and
    /// forwarding are asynchronous, and the one synchronous step, reading the JSON body, is bounded by
    /// <c>max_request_bytes</c>.
    /// </summary>
    public static void ConfigureTransport(IWebHostBuilder host) =>
        host.UseSockets(o => o.UnsafePreferInlineScheduling = true);

    /// <summary>The client that forwards to the upstreams: nothing on the way that a model call does not need.</summary>
    public static HttpMessageInvoker CreateUpstreamClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,

        // No Activity per forwarded request: a caller's traceparent is passed through as the header it is.
        ActivityHeadersPropagator = null,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    });

    /// <summary>
    /// Lets the runtime complete socket operations on its event thread too (the upstream side of a forward, the
    /// reports to Quell), unless the operator chose otherwise. The runtime reads this once, at its first socket
    /// operation, so <c>quell gateway</c> calls it before anything opens a socket.
    /// </summary>
    public static void PrepareProcess()
    {
        const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }
    }

    private static void Map(WebApplication app, string path, GatewayDialect dialect) =>
        app.MapPost(path, (HttpContext http, GatewayHandler handler) => handler.HandleAsync(http, dialect));

    /// <summary>The gateway's connections to Quell: one with its own key, one that carries callers' keys to be checked.</summary>
    private sealed class QuellLink : IDisposable
    {
        public QuellLink(GatewayHostOptions options)
        {
            Keyed = new HttpClient(new BearerHandler(options.ApiKey) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false } }) { Timeout = Timeout.InfiniteTimeSpan };
            Anonymous = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
            Connection = new QuellConnection(new QuellClientOptions
            {
                Endpoint = options.Server,
                ApiKey = options.ApiKey,
                Time = options.Time,
                LongPollWait = options.LongPollWait,
                ReportContent = options.Config.Gateway.ReportContent,

                // Every forwarded request reports a call: at thousands a second, 50 ms batches keep Quell's commits
                // few and large instead of one small transaction per request or two.
                BatchLinger = TimeSpan.FromMilliseconds(50),
            });
        }

        public HttpClient Keyed { get; }
        public HttpClient Anonymous { get; }
        public QuellConnection Connection { get; }

        public void Dispose()
        {
            Connection.Dispose();
            Keyed.Dispose();
            Anonymous.Dispose();
        }
    }

    /// <summary>Adds the gateway's own key to its requests to Quell.</summary>
    private sealed class BearerHandler(string key) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", key);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
