namespace Quell.Investigation;

/// <summary>One piece of a diff: kept (' '), added ('+') or removed ('-').</summary>
public sealed record DiffPiece(char Op, string Text);

/// <summary>
/// Line and word diffs by longest common subsequence. Written here because prompts are short and a dependency
/// for one quadratic routine is not worth it; inputs past the cap are compared as one replaced block.
/// </summary>
public static class TextDiff
{
    public const int MaxTokens = 3000;

    public static IReadOnlyList<DiffPiece> Lines(string? before, string? after) =>
        Diff(Split(before, '\n'), Split(after, '\n'));

    public static IReadOnlyList<DiffPiece> Words(string? before, string? after) =>
        Diff((before ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), (after ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Unified-style text: one line per piece prefixed by its op.</summary>
    public static string Render(IReadOnlyList<DiffPiece> pieces) => string.Join("\n", pieces.Select(p => $"{p.Op} {p.Text}"));

    private static string[] Split(string? text, char separator) =>
        string.IsNullOrEmpty(text) ? [] : text.Replace("\r\n", "\n", StringComparison.Ordinal).Split(separator);

    private static List<DiffPiece> Diff(string[] a, string[] b)
    {
        var result = new List<DiffPiece>();
        if (a.Length > MaxTokens || b.Length > MaxTokens)
        {
            result.AddRange(a.Select(x => new DiffPiece('-', x)));
            result.AddRange(b.Select(x => new DiffPiece('+', x)));
            return result;
        }

        // lcs[i, j] = length of the LCS of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y])
            {
                result.Add(new DiffPiece(' ', a[x++]));
                y++;
            }
            else if (lcs[x + 1, y] >= lcs[x, y + 1])
            {
                result.Add(new DiffPiece('-', a[x++]));
            }
            else
            {
                result.Add(new DiffPiece('+', b[y++]));
            }
        }

        while (x < a.Length)
        {
            result.Add(new DiffPiece('-', a[x++]));
        }

        while (y < b.Length)
        {
            result.Add(new DiffPiece('+', b[y++]));
        }

        return result;
    }
}
