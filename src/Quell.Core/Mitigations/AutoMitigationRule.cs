using Quell.Configuration;

namespace Quell.Mitigations;

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
