namespace Quell.Security;

/// <summary>How Quell guards its own port: API keys, and later allowed hosts, CORS, outbound targets and TLS.</summary>
public sealed record SecurityConfig
{
    /// <summary>
    /// Every route but /healthz needs an API key. Default true. Turning it off lets any caller act as admin; only for
    /// a port no one else can reach (a benchmark, a laptop).
    /// </summary>
    public bool RequireApiKeys { get; init; } = true;

    /// <summary>Serve /metrics without a key (for a Prometheus scraper on a private network). Default false.</summary>
    public bool AnonymousMetrics { get; init; }
}
