namespace Quell.Scanning.Injection;

/// <summary>A matched pattern: the technique family and the original-text span that matched.</summary>
public sealed record InjectionEvidence(string Family, int Start, int End, string MatchedText, double Weight);

/// <summary>The verdict on one input: calibrated score, the classifier's own probability and the pattern evidence.</summary>
public sealed record InjectionAssessment(double Score, double ClassifierProbability, IReadOnlyList<InjectionEvidence> Evidence)
{
    public bool IsFlagged(double threshold) => Score >= threshold;
}
