using System.Buffers;

namespace Quell.Scanning.Secrets;

/// <summary>
/// Finds credentials the way gitleaks does: a keyword prefilter (here one vectorised multi-string search over all
/// prefixes at once), then a per-rule validator with length, charset, entropy and structure checks.
/// </summary>
public sealed class SecretScanner
{
    private static readonly string[] Prefixes =
    [
        "AKIA", "ASIA", "ABIA", "ACCA", "sk-", "sk_", "rk_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
        "xox", "xapp-", "hooks.slack.com/", "AIza", "-----BEGIN", "eyJ",
        "key", "secret", "token", "password", "passwd", "pwd", "credential",
    ];

    // Case-insensitive so the generic keywords match SECRET_KEY and apiKey; the token rules re-check case themselves.
    private static readonly SearchValues<string> Triggers = SearchValues.Create(Prefixes, StringComparison.OrdinalIgnoreCase);

    private readonly double _minScore;

    public SecretScanner(double minScore = 0.5)
    {
        _minScore = minScore;
    }

    /// <summary>Appends the secret findings in <paramref name="text"/> to <paramref name="findings"/>.</summary>
    public void Scan(ReadOnlySpan<char> text, List<ScanFinding> findings)
    {
        var pos = 0;
        while (pos < text.Length)
        {
            var hit = text[pos..].IndexOfAny(Triggers);
            if (hit < 0)
            {
                break;
            }

            var i = pos + hit;
            if (TryMatchAt(text, i, out var match) && match.Score >= _minScore)
            {
                var evidence = EvidenceMask.ForSecret(text[match.Start..match.End]);
                findings.Add(new ScanFinding(FindingKinds.Secret, match.Entity, match.Start, match.End, match.Score, evidence));
                pos = Math.Max(match.End, i + 1);
            }
            else
            {
                pos = i + 1;
            }
        }
    }

    internal static bool TryMatchAt(ReadOnlySpan<char> text, int i, out SecretMatch match, bool allowGeneric = true)
    {
        if (allowGeneric && GenericAssignmentRule.TryMatch(text, i, out match))
        {
            // "OPENAI_API_KEY=sk-proj-…": name the vendor when the assigned value is a token we know.
            if (TryMatchAt(text, match.Start, out var specific, allowGeneric: false))
            {
                match = specific;
            }

            return true;
        }

        var rest = text[i..];
        return rest[0] switch
        {
            'A' when rest.StartsWith("AIza") => TokenRules.TryGoogle(text, i, out match),
            'A' => TokenRules.TryAwsAccessKey(text, i, out match),
            's' or 'r' when rest.Length > 2 && rest[1] == 'k' && rest[2] is '-' or '_' => TokenRules.TryOpenAiAnthropicOrStripe(text, i, out match),
            'g' when rest.StartsWith("gh") || rest.StartsWith("github_pat_") => TokenRules.TryGitHub(text, i, out match),
            'x' when rest.StartsWith("xox") || rest.StartsWith("xapp-") => TokenRules.TrySlackToken(text, i, out match),
            'h' when rest.StartsWith("hooks.slack.com/") => TokenRules.TrySlackWebhook(text, i, out match),
            '-' when rest.StartsWith("-----BEGIN") => StructuredSecretRules.TryPrivateKey(text, i, out match),
            'e' when rest.StartsWith("eyJ") => StructuredSecretRules.TryJwt(text, i, out match),
            _ => NoMatch(out match),
        };
    }

    private static bool NoMatch(out SecretMatch match)
    {
        match = default;
        return false;
    }
}
