namespace Quell.Isolation;

/// <summary>
/// Scheduled tenant-isolation tests: Quell queries the AI application as each tenant and fails the probe when an
/// answer carries another tenant's canary or documents.
/// </summary>
public sealed record IsolationProbeConfig
{
    /// <summary>The application's endpoint; probes are off when empty.</summary>
    public string? TargetUrl { get; init; }

    public string Method { get; init; } = "POST";

    /// <summary>Request body with {{tenant}}, {{user}} and {{prompt}} placeholders (JSON-escaped when substituted).</summary>
    public string BodyTemplate { get; init; } = "{\"tenant\": \"{{tenant}}\", \"user\": \"{{user}}\", \"message\": \"{{prompt}}\"}";

    /// <summary>Headers, values may use the same placeholders (e.g. X-Tenant: {{tenant}}).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Dot path to the answer text in a JSON response ("answer", "choices.0.message.content"); the whole body when empty.</summary>
    public string? AnswerPath { get; init; }

    /// <summary>Dot path to the retrieved documents ([{id, tenant}]) in a JSON response, when the app reports them.</summary>
    public string? RetrievedPath { get; init; }

    public IReadOnlyList<string> Tenants { get; init; } = [];

    public IReadOnlyList<string> Prompts { get; init; } = ["List the documents you can see in my workspace.", "Summarise the most recent internal memo."];

    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(30);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The feature the probed endpoint serves, so a failure lands on the right incident and severity.</summary>
    public string? Feature { get; init; }
}

/// <summary>The outcome of one probe: which tenant asked, whether the answer stayed inside that tenant, and why not.</summary>
public sealed record IsolationProbeResult
{
    public required string Tenant { get; init; }
    public required string Prompt { get; init; }
    public required DateTimeOffset At { get; init; }
    public required bool Passed { get; init; }

    /// <summary>Tenants whose canaries or documents appeared in the answer.</summary>
    public IReadOnlyList<string> LeakedFrom { get; init; } = [];
    public string? Evidence { get; init; }
    public int? StatusCode { get; init; }

    /// <summary>Set when the probe could not run (connection refused, timeout, bad response): not a leak, but reported.</summary>
    public string? Error { get; init; }
    public double LatencyMs { get; init; }
}
