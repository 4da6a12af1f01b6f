namespace Quell.Scanning.Injection;

/// <summary>
/// Scores inputs for prompt injection and jailbreaks: normalise (invisible chars, homoglyphs, leetspeak), match the
/// technique patterns, ask the n-gram classifier, and combine both into one calibrated score. Base64 segments are
/// decoded and scored too, since encoding an attack is itself a technique.
/// </summary>
public sealed class InjectionDetector
{
    private const int MaxEvidenceChars = 80;

    // Pattern evidence shifts the classifier's log-odds; a strong pattern alone crosses the threshold, a weak one
    // ("you are now") needs the classifier to agree. Tuned on the training set, checked on the held-out evaluation set.
    private const double PatternLogOddsWeight = 5.0;
    private const double PatternLogOddsOffset = -1.0;

    private readonly InjectionClassifier _classifier;

    public InjectionDetector(InjectionClassifier? classifier = null)
    {
        _classifier = classifier ?? InjectionClassifier.Default;
    }

    public InjectionAssessment Assess(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = InjectionNormalizer.Normalize(text);
        var evidence = new List<InjectionEvidence>();
        MatchPatterns(normalized, text, evidence, family => family);
        var probability = _classifier.Predict(normalized.Text);
        var score = Combine(probability, evidence);

        foreach (var (start, end) in Base64Segments(text))
        {
            var decoded = Leaks.TextEncodings.TryDecodeBase64Text(text.AsSpan(start, end - start));
            if (decoded is null)
            {
                continue;
            }

            var inner = InjectionNormalizer.Normalize(decoded);
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
        var logit = Math.Log(p / (1 - p));
        if (patternStrength > 0)
        {
            logit += PatternLogOddsOffset + (PatternLogOddsWeight * patternStrength);
        }

        return 1 / (1 + Math.Exp(-logit));
    }

    private static void MatchPatterns(NormalizedText normalized, string source, List<InjectionEvidence> evidence, Func<string, string> familyName)
    {
        var folded = InjectionNormalizer.FoldLeetspeak(normalized.Text);
        foreach (var family in InjectionPatterns.Families)
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

            evidence.Add(new InjectionEvidence(familyName(family.Name), start, end, matched.Trim(), family.Weight));
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
