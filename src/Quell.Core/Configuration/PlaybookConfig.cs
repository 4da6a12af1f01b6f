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
