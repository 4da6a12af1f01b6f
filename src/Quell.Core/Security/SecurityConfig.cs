namespace Quell.Security;

/// <summary>quell.yaml `security:` — how Quell guards its own port: API keys, hosts, CORS, outbound targets, TLS.</summary>
public sealed record SecurityConfig
{
    /// <summary>
    /// Every route but /healthz needs an API key. Default true. Turning it off lets any caller act as admin; only for
    /// a port no one else can reach (a benchmark, a laptop).
    /// </summary>
    public bool RequireApiKeys { get; init; } = true;

    /// <summary>Serve /metrics without a key (for a Prometheus scraper on a private network). Default false.</summary>
    public bool AnonymousMetrics { get; init; }

    /// <summary>Host header values accepted (e.g. quell.example.com, *.example.com); empty accepts any. Guards against DNS rebinding.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Browser origins allowed to call the API cross-origin (with a header key, never cookies); empty: CORS off.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>Mitigations that need a second key to approve them.</summary>
    public TwoPersonRule TwoPerson { get; init; } = new();

    /// <summary>Where replay, verification, eval runs and probes may send requests.</summary>
    public OutboundConfig Outbound { get; init; } = new();

    /// <summary>Serve HTTPS from these certificates (for https:// URLs); null: plain HTTP, e.g. behind a TLS-terminating proxy.</summary>
    public TlsConfig? Tls { get; init; }
}

/// <summary>A mitigation of one of <see cref="Kinds"/> cannot be applied at once nor approved by the key that proposed it.</summary>
public sealed record TwoPersonRule
{
    /// <summary>Mitigation kinds (rollback, disable, fallback, rate_limit, block, budget_cap, loop_cap); empty: rule off.</summary>
    public IReadOnlyList<string> Kinds { get; init; } = [];

    /// <summary>Only for features configured as customer-facing (the default audience). Default false: every feature.</summary>
    public bool CustomerFacingOnly { get; init; }
}

/// <summary>Outbound requests go only to operator-approved places; callers name targets instead of giving URLs.</summary>
public sealed record OutboundConfig
{
    /// <summary>Hosts (or *.suffix) an API caller may put in an ad-hoc target URL; empty: only named targets.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>
    /// Private, loopback and link-local networks (CIDR, e.g. 10.0.0.0/8) that ad-hoc targets may reach. Hosts of
    /// targets named in quell.yaml may always be reached. Empty: caller-given URLs reach public addresses only.
    /// </summary>
    public IReadOnlyList<string> AllowNetworks { get; init; } = [];
}

/// <summary>A PEM certificate and key, or a PKCS#12 (.pfx) file with its password.</summary>
public sealed record TlsConfig
{
    public string CertificateFile { get; init; } = string.Empty;

    /// <summary>PEM private key; omitted for a .pfx or a PEM file that holds both.</summary>
    public string? KeyFile { get; init; }

    /// <summary>Environment variable holding the .pfx or key password, never the password itself.</summary>
    public string? PasswordEnv { get; init; }
}
