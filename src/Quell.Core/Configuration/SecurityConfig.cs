namespace Quell.Configuration;

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

    /// <summary>
    /// Inbound webhooks whose bodies must carry an HMAC-SHA256 signature, by source (one of
    /// <see cref="InboundWebhookSources.All"/>); a source not listed needs only its API key.
    /// </summary>
    public IReadOnlyDictionary<string, InboundWebhookConfig> Webhooks { get; init; } = new Dictionary<string, InboundWebhookConfig>();

    /// <summary>Every problem in this section, each starting with its YAML path.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (var (source, hook) in Webhooks)
        {
            if (!InboundWebhookSources.All.Contains(source, StringComparer.Ordinal))
            {
                yield return $"security.webhooks.{source}: not a webhook source; known: {string.Join(", ", InboundWebhookSources.All)}";
                continue;
            }

            if (string.IsNullOrEmpty(hook.SecretEnv) == string.IsNullOrEmpty(hook.Secret))
            {
                yield return $"security.webhooks.{source}: give exactly one of secret_env (the variable holding the secret) or secret";
            }

            if (hook.Tolerance <= TimeSpan.Zero)
            {
                yield return $"security.webhooks.{source}.tolerance must be > 0";
            }
        }
    }
}

/// <summary>The endpoints that take webhooks from other systems and can require a signature.</summary>
public static class InboundWebhookSources
{
    /// <summary>POST /api/v1/alertmanager.</summary>
    public const string Alertmanager = "alertmanager";

    /// <summary>POST /api/v1/changes (CI and deploy systems).</summary>
    public const string Changes = "changes";

    /// <summary>POST /api/v1/evals (eval result posts).</summary>
    public const string Evals = "evals";

    /// <summary>POST /api/v1/feedback (user feedback from other systems).</summary>
    public const string Feedback = "feedback";

    public static readonly IReadOnlyList<string> All = [Alertmanager, Changes, Evals, Feedback];
}

/// <summary>
/// A shared secret for one webhook source. Its senders sign the body with HMAC-SHA256 as
/// <c>X-Quell-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC of "t.body"&gt;</c> (timestamped, so a replay is refused
/// after <see cref="Tolerance"/>) or GitHub's <c>X-Hub-Signature-256: sha256=&lt;hex HMAC of body&gt;</c>.
/// </summary>
public sealed record InboundWebhookConfig
{
    /// <summary>Environment variable holding the secret (preferred: keeps it out of quell.yaml).</summary>
    public string? SecretEnv { get; init; }

    /// <summary>The secret itself, for a local set-up; use <see cref="SecretEnv"/> elsewhere.</summary>
    public string? Secret { get; init; }

    /// <summary>How far an X-Quell-Signature timestamp may be from the server's clock. Default 5 minutes.</summary>
    public TimeSpan Tolerance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Accept X-Hub-Signature-256, which carries no timestamp and so cannot refuse replays. Default true.</summary>
    public bool AllowUntimestamped { get; init; } = true;
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
