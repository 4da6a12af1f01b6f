using System.Buffers;

namespace Quell.Scanning.Pii;

/// <summary>
/// Finds personal data in one pass: a vectorised jump to the next trigger character ('@', ':', a digit), then
/// hand-written validation of the candidate there. No regex, so no input can make it backtrack.
/// </summary>
public sealed class PiiScanner
{
    private static readonly SearchValues<char> Triggers = SearchValues.Create("0123456789@:");

    private readonly double _minScore;
    private readonly bool _names;
    private readonly bool _addresses;

    public PiiScanner(double minScore = 0.5, bool names = true, bool addresses = true)
    {
        _minScore = minScore;
        _names = names;
        _addresses = addresses;
    }

    /// <summary>Appends the PII findings in <paramref name="text"/> to <paramref name="findings"/>.</summary>
    public void Scan(ReadOnlySpan<char> text, List<ScanFinding> findings)
    {
        Span<int> starts = stackalloc int[NumberPhrase.MaxGroups];
        Span<int> ends = stackalloc int[NumberPhrase.MaxGroups];
        Span<char> separators = stackalloc char[NumberPhrase.MaxGroups];
        var phrase = new NumberPhrase(starts, ends, separators);
        var pos = 0;
        while (pos < text.Length)
        {
            var hit = text[pos..].IndexOfAny(Triggers);
            if (hit < 0)
            {
                break;
            }

            var i = pos + hit;
            var c = text[i];
            if (c == '@')
            {
                pos = EmailRecognizer.TryMatch(text, i, out var email) ? Emit(text, email, findings) : i + 1;
            }
            else if (c == ':')
            {
                pos = Ipv6Recognizer.TryMatch(text, i, out var ip, out var resume) ? Emit(text, ip, findings) : Math.Max(resume, i + 1);
            }
            else
            {
                pos = ScanNumber(text, i, ref phrase, findings);
            }
        }

        if (_names || _addresses)
        {
            ScanWords(text, findings);
        }
    }

    /// <summary>Names and street addresses: word-level recognisers that run after the character-triggered ones.</summary>
    private void ScanWords(ReadOnlySpan<char> text, List<ScanFinding> findings)
    {
        var matches = new List<PiiMatch>();
        if (_addresses)
        {
            StreetAddressRecognizer.Scan(text, matches);
        }

        if (_names)
        {
            PersonNameRecognizer.Scan(text, matches);
        }

        var from = findings.Count;
        foreach (var match in matches)
        {
            if (match.Score < _minScore)
            {
                continue;
            }

            var overlaps = false;
            for (var k = 0; k < findings.Count && !overlaps; k++)
            {
                overlaps = findings[k].Start < match.End && match.Start < findings[k].End;
            }

            if (!overlaps)
            {
                Emit(text, match, findings);
            }
        }

        _ = from;
    }

    private int ScanNumber(ReadOnlySpan<char> text, int i, ref NumberPhrase phrase, List<ScanFinding> findings)
    {
        if (i >= 2 && TextChars.IsAsciiLetterOrDigit(text[i - 1]) && !TextChars.IsDigit(text[i - 1]) && IbanRecognizer.TryMatch(text, i, out var iban))
        {
            return Emit(text, iban, findings);
        }

        if (i > 0 && TextChars.IsWordChar(text[i - 1]))
        {
            return SkipWord(text, i);
        }

        phrase.Read(text, i);
        var attached = i >= 2 && text[i - 1] is '.' or '-' or '/' or ',' && TextChars.IsWordChar(text[i - 2]);
        if (attached || phrase.Count == 0)
        {
            // Part of a decimal, a date, an identifier or a table: skip the whole run at once.
            return Math.Max(phrase.RunEnd, i + 1);
        }

        var count = phrase.Count;
        if (!TextChars.WordBoundaryAfter(text, phrase.RunEnd))
        {
            count--;
        }

        var first = 0;
        while (first < count)
        {
            var consumed = false;
            for (var last = count - 1; last >= first; last--)
            {
                if (NumberRules.TryClassify(text, phrase, first, last, out var match) && match.Score >= _minScore)
                {
                    Emit(text, match, findings);
                    first = last + 1;
                    consumed = true;
                    break;
                }
            }

            if (!consumed)
            {
                first++;
            }

            // Sub-phrases may only start after a space: "555-123-4567" never restarts at "123".
            while (first < count && phrase.SeparatorBefore(first) != ' ')
            {
                first++;
            }
        }

        return phrase.RunEnd == i ? i + 1 : phrase.RunEnd;
    }

    private static int SkipWord(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && TextChars.IsWordChar(text[i]))
        {
            i++;
        }

        return i;
    }

    private int Emit(ReadOnlySpan<char> text, PiiMatch match, List<ScanFinding> findings)
    {
        if (match.Score >= _minScore)
        {
            var evidence = EvidenceMask.ForPii(match.Entity, text[match.Start..match.End]);
            findings.Add(new ScanFinding(FindingKinds.Pii, match.Entity, match.Start, match.End, Math.Round(match.Score, 2), evidence));
        }

        return match.End;
    }
}
