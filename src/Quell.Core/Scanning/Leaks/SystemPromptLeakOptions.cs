namespace Quell.Scanning.Leaks;

/// <summary>When an output counts as reproducing a system prompt.</summary>
/// <param name="MinOverlap">Share of the prompt's word 5-grams that must reappear (default 0.5).</param>
/// <param name="MinMatchedWords">Fewer reproduced words than this never count, so "You are a helpful assistant." cannot page anyone (default 10).</param>
/// <param name="LongRunWords">A verbatim run this long counts whatever the overlap, for long prompts leaked in part (default 25).</param>
public sealed record SystemPromptLeakOptions(double MinOverlap = 0.5, int MinMatchedWords = 10, int LongRunWords = 25)
{
    public static SystemPromptLeakOptions Default { get; } = new();
}
