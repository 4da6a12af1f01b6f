namespace Quell.Scanning.Injection;

/// <summary>A matched pattern: the technique family and the original-text span that matched.</summary>
public sealed record InjectionEvidence(string Family, int Start, int End, string MatchedText, double Weight);

/// <summary>The verdict on one input: calibrated score, the classifier's own probability and the pattern evidence.</summary>
public sealed record InjectionAssessment(double Score, double ClassifierProbability, IReadOnlyList<InjectionEvidence> Evidence)
{
    /// <summary>The lexical pass's own score when the model stage decided; otherwise equal to <see cref="Score"/>.</summary>
    public double? LexicalScore { get; init; }

    /// <summary>True when the sentence-model stage gave the score (the lexical pass could not decide).</summary>
    public bool ByModel { get; init; }

    public bool IsFlagged(double threshold) => Score >= threshold;
}
