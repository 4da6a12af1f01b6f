using Quell.Scanning;
using Quell.Scanning.Injection;

namespace Quell.Tests.Scanning.Reference;

// Frozen copy of the injection scanner as it was before the allocation-free rewrite; the equivalence tests compare
// the production detector against it record by record. Do not optimise or change it.

/// <summary>
/// Scores inputs for prompt injection and jailbreaks: normalise (invisible chars, homoglyphs, leetspeak), match the
/// technique patterns, ask the n-gram classifier, and combine both into one calibrated score. Base64 segments are
/// decoded and scored too, since encoding an attack is itself a technique.
/// </summary>
internal sealed class ReferenceInjectionDetector
{
    private const int MaxEvidenceChars = 80;

    // Pattern evidence shifts the classifier's log-odds by max(0, 10·strength − 6): a strong pattern (0.9) adds +3 and
    // crosses the threshold alone, a middling one (0.6) adds nothing and leaves the decision to the classifier.
    // The classifier alone is held back slightly (−0.5 log-odds) because it has seen far fewer phrasings than exist.
    private const double PatternLogOddsSlope = 10.0;
    private const double PatternLogOddsKnee = 0.6;
    private const double ClassifierLogOddsOffset = -0.5;

    // Questions about a technique ("how do I run a shell command?") use the same words as the technique itself.
    private static readonly string[] InformationQuestionOpenings = ["how do i ", "how can i ", "how to ", "how should ", "how does ", "how do ", "what is ", "what does ", "what are ", "why ", "explain ", "is it ", "can i ", "tell me about "];
    private const double InformationQuestionDamping = 0.7;

    private readonly ReferenceInjectionClassifier _classifier;

    public ReferenceInjectionDetector(ReferenceInjectionClassifier? classifier = null)
    {
        _classifier = classifier ?? ReferenceInjectionClassifier.Default;
    }

    public InjectionAssessment Assess(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = ReferenceInjectionNormalizer.Normalize(text);
        var evidence = new List<InjectionEvidence>();
        MatchPatterns(normalized, text, evidence, family => family);
        var probability = _classifier.Predict(normalized.Text);
        var score = Combine(probability, evidence);

        foreach (var (start, end) in Base64Segments(text))
        {
            var decoded = Quell.Scanning.Leaks.TextEncodings.TryDecodeBase64Text(text.AsSpan(start, end - start));
            if (decoded is null)
            {
                continue;
            }

            var inner = ReferenceInjectionNormalizer.Normalize(decoded);
            var innerEvidence = new List<InjectionEvidence>();
            MatchPatterns(inner, decoded, innerEvidence, family => "encoded:" + family);
            var innerScore = Combine(_classifier.Predict(inner.Text), innerEvidence);
            if (innerScore > score)
            {
                score = innerScore;
            }

            evidence.AddRange(innerEvidence.Select(e => e with { Start = start, End = end }));
        }

        return new InjectionAssessment(Math.Round(score, 3), Math.Round(probability, 3), evidence);
    }

    private static double Combine(double probability, List<InjectionEvidence> evidence)
    {
        var notAttack = 1.0;
        foreach (var group in evidence.GroupBy(e => e.Family))
        {
            notAttack *= 1 - group.Max(e => e.Weight);
        }

        var patternStrength = 1 - notAttack;
        var p = Math.Clamp(probability, 1e-4, 1 - 1e-4);
        var logit = Math.Log(p / (1 - p)) + ClassifierLogOddsOffset + Math.Max(0, PatternLogOddsSlope * (patternStrength - PatternLogOddsKnee));

        return 1 / (1 + Math.Exp(-logit));
    }

    private static void MatchPatterns(ReferenceNormalizedText normalized, string source, List<InjectionEvidence> evidence, Func<string, string> familyName)
    {
        var folded = ReferenceInjectionNormalizer.FoldLeetspeak(normalized.Text);
        var damping = InformationQuestionOpenings.Any(o => folded.StartsWith(o, StringComparison.Ordinal)) ? InformationQuestionDamping : 1.0;
        foreach (var family in ReferenceInjectionPatterns.Families)
        {
            var match = family.Pattern.Match(folded);
            if (!match.Success)
            {
                continue;
            }

            var (start, end) = normalized.ToSource(match.Index, match.Index + match.Length);
            var matched = source[start..end];
            if (matched.Length > MaxEvidenceChars)
            {
                matched = matched[..MaxEvidenceChars] + "…";
            }

            evidence.Add(new InjectionEvidence(familyName(family.Name), start, end, matched.Trim(), family.Weight * damping));
        }
    }

    private static IEnumerable<(int Start, int End)> Base64Segments(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (!TextChars.Base64.Contains(text[i]) && text[i] is not ('-' or '_'))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && (TextChars.Base64.Contains(text[i]) || text[i] is '-' or '_'))
            {
                i++;
            }

            if (i - start >= 16)
            {
                yield return (start, i);
            }
        }
    }
}
