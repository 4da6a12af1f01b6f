using System.Text.RegularExpressions;
using Quell.Postmortems;

namespace Quell.Server.Postmortems;

/// <summary>The words of a text worth searching the incident memory for, the same for every store.</summary>
public static partial class MemorySearchTerms
{
    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "the", "a", "an", "and", "or", "of", "on", "in", "to", "for", "is", "was", "at", "by", "with", "from", "as", "it", "be", "this", "that", "not",
    };

    /// <summary>The words of <paramref name="text"/> worth searching for, lower-cased, at most 32.</summary>
    public static IReadOnlyList<string> Of(string text) =>
        WordPattern().Matches(text).Select(m => m.Value.ToLowerInvariant()).Where(w => w.Length >= 2 && !StopWords.Contains(w)).Distinct().Take(32).ToList();

    [GeneratedRegex(@"[\p{L}\p{N}_]+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
