using Quell.Mitigations;

namespace Quell.Configuration;

/// <summary>
/// The playbook section of quell.yaml: mitigation defaults, opt-in auto-mitigation rules and the vendor
/// status pages investigation reads.
/// </summary>
public sealed record PlaybookConfig
{
    /// <summary>Expiry of a mitigation whose request names none. Default 4h.</summary>
    public TimeSpan DefaultMitigationExpiry { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Alert → mitigation rules. The built-ins are listed but disabled: each rule is opt-in.</summary>
    public IReadOnlyList<AutoMitigationRule> AutoMitigation { get; init; } = AutoMitigationRule.BuiltIn;

    /// <summary>Seconds between auto-mitigation passes over newly fired alerts. Default 10.</summary>
    public int AutoMitigationIntervalSeconds { get; init; } = 10;

    /// <summary>Statuspage-style endpoints (…/api/v2/status.json) by vendor name, e.g. openai.</summary>
    public IReadOnlyDictionary<string, string> VendorStatus { get; init; } = new Dictionary<string, string>();

    /// <summary>How far back from the onset the "before" window of an investigation reaches. Default 6h.</summary>
    public TimeSpan BaselineWindow { get; init; } = TimeSpan.FromHours(6);

    /// <summary>
    /// Most time one outbound attempt (a replayed call, a status page) may take. Default 20 s: above the p99 of a
    /// chat completion of ordinary length, so only a stuck target hits it.
    /// </summary>
    public TimeSpan OutboundAttemptTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Most time one replay request may spend on its target in total; calls not sent by then are reported unsent. Default 60 s.</summary>
    public TimeSpan ReplayDeadline { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>One opt-in auto-mitigation rule: which alerts it matches and what mitigation it proposes.</summary>
public sealed record AutoMitigationRule
{
    public string Name { get; init; } = "";

    /// <summary>Off unless the operator turns it on.</summary>
    public bool Enabled { get; init; }

    /// <summary>Alert category (quality, latency, cost, data, abuse); null matches any.</summary>
    public string? Category { get; init; }

    /// <summary>Alert signal, e.g. calls_per_trace; null matches any.</summary>
    public string? Signal { get; init; }

    /// <summary>Lowest severity that triggers it: s1 (high hint), s2 (medium) or s3 (any). Default s3.</summary>
    public string MinSeverity { get; init; } = "s3";

    public MitigationKind Kind { get; init; } = MitigationKind.LoopCap;

    /// <summary>Propose and wait for approval (default) or apply at once.</summary>
    public MitigationMode Mode { get; init; } = MitigationMode.Propose;

    public MitigationParameters Parameters { get; init; } = new();

    /// <summary>Alert labels copied into the mitigation's scope. Default: feature.</summary>
    public IReadOnlyList<string> ScopeLabels { get; init; } = ["feature"];

    public TimeSpan? ExpiresIn { get; init; }

    public static IReadOnlyList<AutoMitigationRule> BuiltIn { get; } =
    [
        new()
        {
            Name = "runaway_loop",
            Category = "cost",
            Signal = Alerts.AlertSignals.CallsPerTrace,
            Kind = MitigationKind.LoopCap,
            Parameters = new MitigationParameters { MaxCallsPerTrace = 20 },
            ExpiresIn = TimeSpan.FromHours(2),
        },
        new()
        {
            Name = "spend_spike",
            Category = "cost",
            Signal = Alerts.AlertSignals.SpendRate,
            MinSeverity = "s1",
            Kind = MitigationKind.RateLimit,
            Parameters = new MitigationParameters { Per = "tenant", RatePerSecond = 1, Burst = 10 },
            ExpiresIn = TimeSpan.FromHours(1),
        },
    ];
}
