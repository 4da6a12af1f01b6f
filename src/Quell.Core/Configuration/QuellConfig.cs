using Quell.Incidents;
using Quell.Ingest;
using Quell.Pricing;
using Quell.Recurrence;
using Quell.Response;
using Quell.Telemetry;

namespace Quell.Configuration;

/// <summary>What operators edit in quell.yaml; every part has a working default so Quell runs with no file at all.</summary>
public sealed record QuellConfig
{
    /// <summary>Product flows by name: who they serve and how their content is kept.</summary>
    public IReadOnlyDictionary<string, FeatureConfig> Features { get; init; } = new Dictionary<string, FeatureConfig>();

    /// <summary>Applied to features not listed in <see cref="Features"/>.</summary>
    public FeatureConfig DefaultFeature { get; init; } = new();

    /// <summary>Price overrides by model name, USD per 1M tokens.</summary>
    public IReadOnlyDictionary<string, ModelPrice> Prices { get; init; } = new Dictionary<string, ModelPrice>();

    public IngestLimits Limits { get; init; } = new();

    public GenAiAttributeNames Attributes { get; init; } = new();

    /// <summary>How GenAI content sent as OTLP log events joins its span's call.</summary>
    public LogJoinOptions OtlpLogs { get; init; } = new();

    /// <summary>Ingest queue and writer settings.</summary>
    public IngestQueueOptions Queue { get; init; } = new();

    /// <summary>Detector rules: thresholds, windows, SLOs, budgets, loop caps, per-feature overrides.</summary>
    public Detection.DetectionRules Detection { get; init; } = new();

    /// <summary>When scanner findings become data and abuse alerts.</summary>
    public Detection.ContentAlertRules ContentAlerts { get; init; } = new();

    /// <summary>Scheduled tenant-isolation probes against the application.</summary>
    public Isolation.IsolationProbeConfig IsolationProbes { get; init; } = new();

    /// <summary>Which content scanners run on ingest and their thresholds.</summary>
    public Scanning.ContentScannerOptions Scanning { get; init; } = new();

    /// <summary>Severity rules and link annotations for alerts arriving on the Alertmanager webhook.</summary>
    public AlertmanagerConfig Alertmanager { get; init; } = new();

    /// <summary>Grouping, severity policy, routing and maintenance windows.</summary>
    public IncidentsConfig Incidents { get; init; } = new();

    public OnCallConfig OnCall { get; init; } = new();

    public ChannelsConfig Channels { get; init; } = new();

    public EvalsConfig Evals { get; init; } = new();

    public RecurrenceConfig Recurrence { get; init; } = new();

    public PostmortemsConfig Postmortems { get; init; } = new();
    /// <summary>Mitigation defaults, opt-in auto-mitigation rules, vendor status pages.</summary>
    public PlaybookConfig Playbook { get; init; } = new();

    /// <summary>The model gateway: upstreams and caller headers (used by `quell gateway`).</summary>
    public GatewayConfig Gateway { get; init; } = new();

    /// <summary>Runbooks added by operators; one named like a built-in replaces it.</summary>
    public IReadOnlyList<Runbooks.RunbookDefinition> Runbooks { get; init; } = [];

    /// <summary>API keys and the rest of Quell's own access control.</summary>
    public SecurityConfig Security { get; init; } = new();

    public FeatureConfig FeatureOrDefault(string? feature) =>
        feature is not null && Features.TryGetValue(feature, out var f) ? f : DefaultFeature;

    /// <summary>How a feature's call content is stored on ingest.</summary>
    public ContentPolicy ContentPolicyOf(string? feature) => FeatureOrDefault(feature).Content;
}

/// <summary>Who a feature serves and how its call content is stored.</summary>
public sealed record FeatureConfig
{
    public FeatureAudience Audience { get; init; } = FeatureAudience.CustomerFacing;

    public ContentPolicy Content { get; init; } = ContentPolicy.Store;

    /// <summary>Run the content scanners on this feature's calls. Default on.</summary>
    public bool Scan { get; init; } = true;

    /// <summary>Entities reported for this feature (e.g. [EMAIL_ADDRESS, CREDIT_CARD, CANARY]); null reports all.</summary>
    public IReadOnlyList<string>? Entities { get; init; }

    /// <summary>Days to keep calls of this feature; 0 keeps them forever. Default 30.</summary>
    public int RetentionDays { get; init; } = 30;
}
