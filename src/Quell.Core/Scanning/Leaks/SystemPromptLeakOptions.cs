namespace Quell.Scanning.Leaks;

/// <summary>When an output counts as reproducing a system prompt.</summary>
/// <param name="MinOverlap">Share of the prompt's word 5-grams that must reappear (default 0.5).</param>
/// <param name="MinMatchedWords">Fewer reproduced words than this never count, so "You are a helpful assistant." cannot page anyone (default 10).</param>
/// <param name="LongRunWords">A verbatim run this long counts whatever the overlap, for long prompts leaked in part (default 25).</param>
public sealed record SystemPromptLeakOptions(double MinOverlap = 0.5, int MinMatchedWords = 10, int LongRunWords = 25)
{
    public static SystemPromptLeakOptions Default { get; } = new();

    /// <summary>Look for prompts retold in other words with the sentence model (default on).</summary>
    public bool Paraphrase { get; init; } = true;

    /// <summary>Prompts with fewer sentences than this are left to the copy and secret checks (default 3).</summary>
    public int ParaphraseMinSentences { get; init; } = 3;

    /// <summary>Cosine at which an output clause retells a prompt sentence (default 0.7; see docs/scanning.md for how it was chosen).</summary>
    public double ParaphraseSimilarity { get; init; } = 0.7;

    /// <summary>Share of the prompt's sentences that must be retold (default 0.4).</summary>
    public double ParaphraseCoverage { get; init; } = 0.4;

    /// <summary>Share of the prompt's longer words the output must contain before the sentence model is asked (default 0.2).</summary>
    public double ParaphraseWordGate { get; init; } = 0.2;
}
