using System.Collections.Frozen;

namespace Quell.Scanning.Pii;

/// <summary>Recognises IBANs in any letter case (compact or in groups of four) by country length and the mod-97 check.</summary>
internal static class IbanRecognizer
{
    private static readonly FrozenDictionary<string, int> LengthByCountry = new Dictionary<string, int>
    {
        ["AD"] = 24, ["AE"] = 23, ["AL"] = 28, ["AT"] = 20, ["AZ"] = 28, ["BA"] = 20, ["BE"] = 16, ["BG"] = 22,
        ["BH"] = 22, ["BR"] = 29, ["BY"] = 28, ["CH"] = 21, ["CR"] = 22, ["CY"] = 28, ["CZ"] = 24, ["DE"] = 22,
        ["DK"] = 18, ["DO"] = 28, ["EE"] = 20, ["EG"] = 29, ["ES"] = 24, ["FI"] = 18, ["FO"] = 18, ["FR"] = 27,
        ["GB"] = 22, ["GE"] = 22, ["GI"] = 23, ["GL"] = 18, ["GR"] = 27, ["GT"] = 28, ["HR"] = 21, ["HU"] = 28,
        ["IE"] = 22, ["IL"] = 23, ["IQ"] = 23, ["IS"] = 26, ["IT"] = 27, ["JO"] = 30, ["KW"] = 30, ["KZ"] = 20,
        ["LB"] = 28, ["LC"] = 32, ["LI"] = 21, ["LT"] = 20, ["LU"] = 20, ["LV"] = 21, ["MC"] = 27, ["MD"] = 24,
        ["ME"] = 22, ["MK"] = 19, ["MR"] = 27, ["MT"] = 31, ["MU"] = 30, ["NL"] = 18, ["NO"] = 15, ["PK"] = 24,
        ["PL"] = 28, ["PS"] = 29, ["PT"] = 25, ["QA"] = 29, ["RO"] = 24, ["RS"] = 22, ["SA"] = 24, ["SC"] = 31,
        ["SE"] = 24, ["SI"] = 19, ["SK"] = 24, ["SM"] = 27, ["ST"] = 25, ["SV"] = 28, ["TL"] = 23, ["TN"] = 24,
        ["TR"] = 26, ["UA"] = 29, ["VA"] = 22, ["VG"] = 24, ["XK"] = 20,
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup = LengthByCountry.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Tries an IBAN whose check digits start at <paramref name="digit"/> (the country code is the two letters before it).</summary>
    public static bool TryMatch(ReadOnlySpan<char> text, int digit, out PiiMatch match)
    {
        match = default;
        var start = digit - 2;
        if (start < 0 || !TextChars.WordBoundaryBefore(text, start))
        {
            return false;
        }

        Span<char> country = [char.ToUpperInvariant(text[start]), char.ToUpperInvariant(text[start + 1])];
        if (!Lookup.TryGetValue(country, out var length))
        {
            return false;
        }

        Span<char> compact = stackalloc char[34];
        var n = 0;
        var i = start;
        while (i < text.Length && n < length)
        {
            var c = text[i];
            if (TextChars.IsAsciiLetterOrDigit(c))
            {
                compact[n++] = char.ToUpperInvariant(c);
                i++;
            }
            else if (c == ' ' && n % 4 == 0 && i + 1 < text.Length && TextChars.IsAsciiLetterOrDigit(text[i + 1]))
            {
                i++;
            }
            else
            {
                break;
            }
        }

        if (n != length || !TextChars.WordBoundaryAfter(text, i) || !Checksums.IsIbanMod97Valid(compact[..n]))
        {
            return false;
        }

        var score = ContextWords.Near(text, start, i, ContextWords.Iban) ? 1.0 : 0.9;
        match = new PiiMatch(Entities.Iban, start, i, score);
        return true;
    }
}
