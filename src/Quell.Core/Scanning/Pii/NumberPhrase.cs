namespace Quell.Scanning.Pii;

/// <summary>
/// A run of digit groups joined by single separators ("+44 20 7946 0958", "4111-1111-1111-1111", "10.0.0.1"):
/// the common shape behind phone, card, SSN and IPv4 candidates, read once and classified by the rule files.
/// </summary>
internal ref struct NumberPhrase
{
    public const int MaxGroups = 8;

    private Span<int> _starts;
    private Span<int> _ends;
    private Span<char> _separators;

    public NumberPhrase(Span<int> starts, Span<int> ends, Span<char> separators)
    {
        _starts = starts;
        _ends = ends;
        _separators = separators;
    }

    public int Count { get; private set; }

    /// <summary>Where scanning resumes: the end of the whole run, even if it had more groups than were kept.</summary>
    public int RunEnd { get; private set; }

    public bool LeadingPlus { get; private set; }

    public bool LeadingParen { get; private set; }

    public readonly int GroupStart(int g) => _starts[g];

    public readonly int GroupEnd(int g) => _ends[g];

    public readonly int GroupLength(int g) => _ends[g] - _starts[g];

    /// <summary>The separator before group <paramref name="g"/> (' ' for ") " and "(" forms, '\0' for the first).</summary>
    public readonly char SeparatorBefore(int g) => _separators[g];

    /// <summary>Reads the phrase starting at the digit <paramref name="first"/>.</summary>
    public void Read(ReadOnlySpan<char> text, int first)
    {
        Count = 0;
        LeadingPlus = first > 0 && text[first - 1] == '+';
        LeadingParen = first > 0 && text[first - 1] == '(';
        var i = first;
        var separator = '\0';
        var overflow = false;
        while (true)
        {
            var groupStart = i;
            while (i < text.Length && TextChars.IsDigit(text[i]))
            {
                i++;
            }

            if (Count < MaxGroups)
            {
                _starts[Count] = groupStart;
                _ends[Count] = i;
                _separators[Count] = separator;
                Count++;
            }
            else
            {
                overflow = true;
            }

            RunEnd = i;
            if (!TryReadSeparator(text, i, out separator, out var next))
            {
                break;
            }

            i = next;
        }

        if (overflow)
        {
            // Too many groups for any identifier we know: a table or a list of numbers, not one value.
            Count = 0;
        }
    }

    private static bool TryReadSeparator(ReadOnlySpan<char> text, int i, out char separator, out int next)
    {
        separator = '\0';
        next = i;
        if (i >= text.Length)
        {
            return false;
        }

        var c = text[i];
        if (c is ' ' or '-' or '.' or '/')
        {
            if (i + 1 < text.Length && TextChars.IsDigit(text[i + 1]))
            {
                separator = c;
                next = i + 1;
                return true;
            }

            if (c == ' ' && i + 2 < text.Length && text[i + 1] == '(' && TextChars.IsDigit(text[i + 2]))
            {
                separator = ' ';
                next = i + 2;
                return true;
            }

            return false;
        }

        if (c == ')' && i + 1 < text.Length)
        {
            var d = text[i + 1];
            if (TextChars.IsDigit(d))
            {
                separator = ' ';
                next = i + 1;
                return true;
            }

            if ((d is ' ' or '-') && i + 2 < text.Length && TextChars.IsDigit(text[i + 2]))
            {
                separator = ' ';
                next = i + 2;
                return true;
            }
        }

        return false;
    }
}
