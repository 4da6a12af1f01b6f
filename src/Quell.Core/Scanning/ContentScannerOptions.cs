using Quell.Scanning.Leaks;

namespace Quell.Scanning;

/// <summary>Which scanners run and how sure they must be before they report. Defaults suit a page-worthy signal.</summary>
public sealed record ContentScannerOptions
{
    public static ContentScannerOptions Default { get; } = new();

    public bool DetectPii { get; init; } = true;

    public bool DetectSecrets { get; init; } = true;

    public bool DetectCanaries { get; init; } = true;

    public bool DetectCrossTenant { get; init; } = true;

    public bool DetectSystemPromptLeaks { get; init; } = true;

    public bool DetectInjection { get; init; } = true;

    /// <summary>
    /// Send inputs the lexical injection pass cannot decide to the sentence-embedding model stage. Off by default on
    /// the ingest path: ordinary short questions mostly fall in the undecided band, and the model costs milliseconds
    /// per input (see docs/scanning.md); `quell scan` turns it on. On: more attacks found, especially indirect ones.
    /// </summary>
    public bool InjectionModel { get; init; }

    /// <summary>Which inputs reach the model stage when it is on: the routing band (default) or the whole training band.</summary>
    public Injection.InjectionModelBand InjectionModelBand { get; init; } = Injection.InjectionModelBand.Routed;

    /// <summary>Also report PII and secrets found in inputs (not leaks, but they decide how inputs may be stored).</summary>
    public bool ScanInputsForPii { get; init; } = true;

    /// <summary>
    /// The operator's own public contact data and names (support addresses, phone numbers, company names): PII
    /// findings equal to one of these are never a leak. Compared like echoed input (e-mail case-insensitively,
    /// phones by their last nine digits).
    /// </summary>
    public IReadOnlyList<string> PublicValues { get; init; } = [];

    /// <summary>Secrets, canary phrases and code words outputs must never reveal in any form (per feature or for all).</summary>
    public IReadOnlyList<ProtectedSecret> ProtectedSecrets { get; init; } = [];

    /// <summary>System prompts to protect from copies and paraphrases (per feature or for all).</summary>
    public IReadOnlyList<ProtectedPrompt> ProtectedPrompts { get; init; } = [];

    /// <summary>Entities to report; null reports all of them.</summary>
    public IReadOnlySet<string>? Entities { get; init; }

    /// <summary>Findings scoring below this are dropped (default 0.5).</summary>
    public double MinScore { get; init; } = 0.5;

    /// <summary>Inputs scoring at or above this get an injection finding (default 0.5).</summary>
    public double InjectionThreshold { get; init; } = 0.5;

    /// <summary>Tenants whose documents any tenant may see.</summary>
    public IReadOnlySet<string> SharedTenants { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "public", "shared" };

    public SystemPromptLeakOptions SystemPromptLeak { get; init; } = SystemPromptLeakOptions.Default;

    /// <summary>Problems with these options, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MinScore is < 0 or > 1)
        {
            errors.Add($"MinScore must be within 0..1, was {MinScore}.");
        }

        if (InjectionThreshold is <= 0 or > 1)
        {
            errors.Add($"InjectionThreshold must be within (0, 1], was {InjectionThreshold}.");
        }

        if (SystemPromptLeak.MinOverlap is <= 0 or > 1)
        {
            errors.Add($"SystemPromptLeak.MinOverlap must be within (0, 1], was {SystemPromptLeak.MinOverlap}.");
        }

        return errors;
    }
}
