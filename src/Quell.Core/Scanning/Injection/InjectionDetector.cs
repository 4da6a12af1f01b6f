using System.Buffers;

namespace Quell.Scanning.Injection;

/// <summary>
/// Scores inputs for prompt injection and jailbreaks: normalise (invisible chars, homoglyphs, leetspeak), match the
/// technique patterns, ask the n-gram classifier, and combine both into one calibrated score. Base64 segments are
/// decoded and scored too, since encoding an attack is itself a technique.
/// </summary>
public sealed class InjectionDetector
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
        MatchPatterns(normalized, text, evidence, familyPrefix: null);
        var probability = _classifier.Predict(normalized.Text);
        var score = Combine(probability, evidence);

        var position = 0;
        while (NextBase64Segment(text, ref position, out var start, out var end))
        {
            var decoded = Leaks.TextEncodings.TryDecodeBase64Text(text.AsSpan(start, end - start));
            if (decoded is null)
            {
                continue;
            }

            var inner = InjectionNormalizer.Normalize(decoded);
            var innerEvidence = new List<InjectionEvidence>();
            MatchPatterns(inner, decoded, innerEvidence, familyPrefix: "encoded:");
            var innerScore = Combine(_classifier.Predict(inner.Text), innerEvidence);
            if (innerScore > score)
            {
                score = innerScore;
            }

            foreach (var e in innerEvidence)
            {
                evidence.Add(e with { Start = start, End = end });
            }
        }

        return new InjectionAssessment(Math.Round(score, 3), Math.Round(probability, 3), evidence);
    }

    private static double Combine(double probability, List<InjectionEvidence> evidence)
    {
        // Families multiply in order of first appearance, each by its strongest piece of evidence.
        var notAttack = 1.0;
        for (var i = 0; i < evidence.Count; i++)
        {
            var family = evidence[i].Family;
            var seen = false;
            for (var j = 0; j < i && !seen; j++)
            {
                seen = string.Equals(evidence[j].Family, family, StringComparison.Ordinal);
            }

            if (seen)
            {
                continue;
            }

            var max = evidence[i].Weight;
            for (var j = i + 1; j < evidence.Count; j++)
            {
                if (string.Equals(evidence[j].Family, family, StringComparison.Ordinal) && evidence[j].Weight > max)
                {
                    max = evidence[j].Weight;
                }
            }

            notAttack *= 1 - max;
        }

        var patternStrength = 1 - notAttack;
        var p = Math.Clamp(probability, 1e-4, 1 - 1e-4);
        var logit = Math.Log(p / (1 - p)) + ClassifierLogOddsOffset + Math.Max(0, PatternLogOddsSlope * (patternStrength - PatternLogOddsKnee));

        return 1 / (1 + Math.Exp(-logit));
    }

    private static void MatchPatterns(NormalizedText normalized, string source, List<InjectionEvidence> evidence, string? familyPrefix)
    {
        var text = normalized.Text;
        char[]? rented = null;
        var buffer = text.Length <= 512 ? stackalloc char[512] : (rented = ArrayPool<char>.Shared.Rent(text.Length));
        var folded = buffer[..text.Length];
        InjectionNormalizer.FoldLeetspeak(text, folded);

        var damping = 1.0;
        foreach (var opening in InformationQuestionOpenings)
        {
            if (folded.StartsWith(opening, StringComparison.Ordinal))
            {
                damping = InformationQuestionDamping;
                break;
            }
        }

        // Almost every input matches no family: test on the folded span first (anchor search, then the regex), and
        // only for a family that matches build the folded string and locate the match for the evidence.
        string? foldedText = null;
        var families = InjectionPatterns.Families;
        var candidates = InjectionPatterns.CandidateFamilies(folded);
        for (var f = 0; f < families.Count; f++)
        {
            var family = families[f];
            if ((candidates & (1UL << f)) == 0 || !family.Pattern.IsMatch(folded))
            {
                continue;
            }

            foldedText ??= new string(folded);
            var match = family.Pattern.Match(foldedText);
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

            evidence.Add(new InjectionEvidence(familyPrefix is null ? family.Name : familyPrefix + family.Name, start, end, matched.Trim(), family.Weight * damping));
        }

        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static bool NextBase64Segment(string text, ref int position, out int start, out int end)
    {
        var i = position;
        while (i < text.Length)
        {
            if (!TextChars.Base64.Contains(text[i]) && text[i] is not ('-' or '_'))
            {
                i++;
                continue;
            }

            var from = i;
            while (i < text.Length && (TextChars.Base64.Contains(text[i]) || text[i] is '-' or '_'))
            {
                i++;
            }

            if (i - from >= 16)
            {
                position = i;
                start = from;
                end = i;
                return true;
            }
        }

        position = i;
        start = end = 0;
        return false;
    }
}
