using Quell.Calls;
using Quell.Scanning.Canaries;
using Quell.Scanning.Injection;
using Quell.Scanning.Leaks;
using Quell.Scanning.Pii;
using Quell.Scanning.Secrets;

namespace Quell.Scanning;

/// <summary>
/// The one entry point for content scanning: outputs are checked for data leaks (PII the caller did not supply,
/// secrets, canaries, foreign documents, system-prompt copies), inputs for prompt injection. Thread-safe.
/// </summary>
public sealed class ContentScanner
{
    private readonly ContentScannerOptions _options;
    private readonly PiiScanner _pii;
    private readonly SecretScanner _secrets;
    private readonly Lazy<InjectionCascade> _injection;
    private readonly SuppliedValues? _public;
    private readonly IReadOnlyList<ProtectedPrompt> _protectedPrompts;

    /// <param name="options">Which scanners run and their thresholds.</param>
    /// <param name="canaries">Canaries to look for.</param>
    /// <param name="systemPrompts">Registered prompts and secrets to protect.</param>
    /// <param name="injection">The lexical injection pass (default: the shipped one).</param>
    /// <param name="embedder">The sentence model for the injection model stage and paraphrase checks; by default the shipped MiniLM, loaded on first use. Ignored when <see cref="ContentScannerOptions.InjectionModel"/> is off.</param>
    public ContentScanner(ContentScannerOptions? options = null, CanaryRegistry? canaries = null, SystemPromptLeakDetector? systemPrompts = null, InjectionDetector? injection = null, Embeddings.ISentenceEmbedder? embedder = null)
    {
        _options = options ?? ContentScannerOptions.Default;
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid content scanner options: " + string.Join(" ", errors), nameof(options));
        }

        _pii = new PiiScanner(_options.MinScore);
        _public = _options.PublicValues.Count == 0 ? null : new SuppliedValues(null, _options.PublicValues);
        _secrets = new SecretScanner(_options.MinScore);
        Canaries = canaries ?? new CanaryRegistry();
        SystemPrompts = systemPrompts ?? new SystemPromptLeakDetector(_options.SystemPromptLeak);
        foreach (var prompt in _options.ProtectedPrompts)
        {
            SystemPrompts.Register(prompt.Name, prompt.Text);
        }

        _protectedPrompts = _options.ProtectedPrompts;

        foreach (var secret in _options.ProtectedSecrets)
        {
            Secrets.Register(secret);
        }
        var useModel = _options.InjectionModel;
        var band = _options.InjectionModelBand;
        _injection = new Lazy<InjectionCascade>(() => new InjectionCascade(injection ?? new InjectionDetector(), () => useModel ? embedder ?? Embeddings.MiniLmEmbedder.Shared : null, band: band));
        var paraphrase = _options.SystemPromptLeak.Paraphrase;
        Paraphrases = new PromptParaphraseCheck(() => paraphrase ? embedder ?? Embeddings.MiniLmEmbedder.Shared : null, _options.SystemPromptLeak);
    }

    /// <summary>Registry of canaries to look for; mint and register them here.</summary>
    public CanaryRegistry Canaries { get; }

    /// <summary>Registered system prompts to protect.</summary>
    public SystemPromptLeakDetector SystemPrompts { get; }

    /// <summary>The sentence-model check for prompts retold in other words.</summary>
    public PromptParaphraseCheck Paraphrases { get; }

    /// <summary>Registered secrets to protect, in every disguise.</summary>
    public SecretLeakDetector Secrets { get; } = new();

    public ContentScannerOptions Options => _options;

    /// <summary>The injection cascade, with its counts of inputs assessed and inputs that reached the model stage.</summary>
    public InjectionCascade Injection => _injection.Value;

    /// <summary>Scans a model output for data leaks.</summary>
    /// <param name="text">The output.</param>
    /// <param name="tenant">The tenant the call served; needed for canary and cross-tenant checks.</param>
    /// <param name="input">The prompt that produced the output: PII already in it is an echo, not a leak.</param>
    /// <param name="systemPrompt">The call's system prompt, which the output must not reproduce.</param>
    /// <param name="retrieved">Documents used for the answer, with their owners.</param>
    /// <param name="allowedContext">Further text whose PII the output may repeat (e.g. the user's own profile).</param>
    /// <param name="feature">The product flow, for secrets registered per feature.</param>
    public ScanResult ScanOutput(string text, string? tenant = null, string? input = null, string? systemPrompt = null, IReadOnlyList<RetrievedDocument>? retrieved = null, IReadOnlyList<string>? allowedContext = null, string? feature = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var findings = new List<ScanFinding>();
        if (_options.DetectSecrets)
        {
            _secrets.Scan(text, findings);
        }

        if (_options.DetectPii)
        {
            var before = findings.Count;
            _pii.Scan(text, findings);
            RemoveSuppliedPii(text, findings, before, input, allowedContext);
            RemovePublicValues(text, findings, before);
        }

        if (_options.DetectCanaries)
        {
            AddCanaries(text, tenant, findings);
        }

        if (_options.DetectCrossTenant)
        {
            CrossTenantCheck.Find(tenant, retrieved, _options.SharedTenants, findings);
        }

        if (_options.DetectSystemPromptLeaks)
        {
            var before = findings.Count;
            SystemPrompts.Detect(text, systemPrompt, findings);
            Secrets.Detect(text, feature, systemPrompt, findings);
            if (findings.Count == before && _options.SystemPromptLeak.Paraphrase)
            {
                // Only when no copy was found: a retelling is the one form the cheap passes cannot see.
                if (!string.IsNullOrWhiteSpace(systemPrompt))
                {
                    Paraphrases.Detect(text, "system_prompt", systemPrompt, findings);
                }

                foreach (var prompt in _protectedPrompts)
                {
                    if (prompt.Feature is null || string.Equals(prompt.Feature, feature, StringComparison.Ordinal))
                    {
                        Paraphrases.Detect(text, prompt.Name, prompt.Text, findings);
                    }
                }
            }
        }

        return new ScanResult(Finish(findings));
    }

    /// <summary>Scans a model call's output with the call's own tenant, input, system prompt and retrieved documents.</summary>
    public ScanResult ScanOutput(CallRecord call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Output is null ? ScanResult.Empty : ScanOutput(call.Output, call.Tenant, call.Input, call.SystemPrompt, call.Retrieved, feature: call.Feature);
    }

    /// <summary>Scans an input for prompt injection (always scored) and, if configured, for PII and secrets.</summary>
    public ScanResult ScanInput(string text, string? tenant = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        _ = tenant;
        var findings = new List<ScanFinding>();
        if (_options.ScanInputsForPii)
        {
            if (_options.DetectSecrets)
            {
                _secrets.Scan(text, findings);
            }

            if (_options.DetectPii)
            {
                _pii.Scan(text, findings);
            }
        }

        double? score = null;
        if (_options.DetectInjection)
        {
            var assessment = _injection.Value.Assess(text);
            score = assessment.Score;
            if (assessment.IsFlagged(_options.InjectionThreshold))
            {
                findings.Add(InjectionFinding(text, assessment));
            }
        }

        return new ScanResult(Finish(findings), score);
    }

    /// <summary>The full injection verdict with all pattern evidence, for investigation.</summary>
    public InjectionAssessment AssessInjection(string text) => _injection.Value.Assess(text);

    private static ScanFinding InjectionFinding(string text, InjectionAssessment assessment)
    {
        if (assessment.Evidence.Count == 0)
        {
            return new ScanFinding(FindingKinds.Injection, Entities.PromptInjection, 0, text.Length, assessment.Score, "classifier");
        }

        var strongest = assessment.Evidence.MaxBy(e => e.Weight)!;
        var families = string.Join(",", assessment.Evidence.Select(e => e.Family).Distinct());
        return new ScanFinding(FindingKinds.Injection, Entities.PromptInjection, strongest.Start, strongest.End, assessment.Score, $"{families}: \"{strongest.MatchedText}\"");
    }

    private void AddCanaries(string text, string? tenant, List<ScanFinding> findings)
    {
        foreach (var hit in Canaries.FindAll(text))
        {
            var canary = hit.Canary;
            var evidence = string.Concat(canary.Token.AsSpan(0, Math.Min(canary.Token.Length, CanaryRegistry.Prefix.Length + 8)), "… of ", canary.Tenant);
            if (canary.Placement == CanaryPlacement.SystemPrompt)
            {
                findings.Add(new ScanFinding(FindingKinds.SystemPromptLeak, Entities.SystemPrompt, hit.Start, hit.End, 1.0, "system-prompt canary " + evidence, canary.Tenant));
            }
            else if (!string.Equals(canary.Tenant, tenant, StringComparison.Ordinal))
            {
                findings.Add(new ScanFinding(FindingKinds.Canary, Entities.Canary, hit.Start, hit.End, 1.0, evidence, canary.Tenant));
            }
        }
    }

    private void RemovePublicValues(string text, List<ScanFinding> findings, int from)
    {
        if (_public is null)
        {
            return;
        }

        for (var k = findings.Count - 1; k >= from; k--)
        {
            if (_public.Contains(findings[k].Entity, text.AsSpan(findings[k].Start, findings[k].Length)))
            {
                findings.RemoveAt(k);
            }
        }
    }

    private static void RemoveSuppliedPii(string text, List<ScanFinding> findings, int from, string? input, IReadOnlyList<string>? allowedContext)
    {
        if (string.IsNullOrEmpty(input) && (allowedContext is null || allowedContext.Count == 0))
        {
            return;
        }

        var supplied = new SuppliedValues(input, allowedContext);
        for (var k = findings.Count - 1; k >= from; k--)
        {
            var finding = findings[k];
            if (supplied.Contains(finding.Entity, text.AsSpan(finding.Start, finding.Length)))
            {
                findings.RemoveAt(k);
            }
        }
    }

    private List<ScanFinding> Finish(List<ScanFinding> findings)
    {
        if (_options.Entities is { } wanted)
        {
            findings.RemoveAll(f => !wanted.Contains(f.Entity));
        }

        findings.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Score.CompareTo(a.Score));

        // A secret that contains digits or an e-mail-like part must not also be paged as PII.
        for (var k = findings.Count - 1; k >= 0; k--)
        {
            var finding = findings[k];
            if (finding.Kind == FindingKinds.Pii && findings.Exists(other => other.Kind == FindingKinds.Secret && other.Start < finding.End && finding.Start < other.End))
            {
                findings.RemoveAt(k);
            }
        }

        return findings;
    }
}
