namespace Quell.Scanning.Pii;

/// <summary>Classifies a sub-range of a <see cref="NumberPhrase"/> as IPv4, credit card, US SSN or phone number.</summary>
internal static class NumberRules
{
    public static bool TryClassify(ReadOnlySpan<char> text, scoped in NumberPhrase phrase, int first, int last, out PiiMatch match)
    {
        var start = phrase.GroupStart(first);
        var end = phrase.GroupEnd(last);
        var groups = last - first + 1;
        var digits = 0;
        var sameSeparator = true;
        var separator = groups > 1 ? phrase.SeparatorBefore(first + 1) : '\0';
        for (var g = first; g <= last; g++)
        {
            digits += phrase.GroupLength(g);
            if (g > first && phrase.SeparatorBefore(g) != separator)
            {
                sameSeparator = false;
            }
        }

        if (groups == 4 && sameSeparator && separator == '.' && TryIpv4(text, phrase, first, start, end, out match))
        {
            return true;
        }

        if (digits is >= 12 and <= 19 && (groups == 1 || (sameSeparator && separator is ' ' or '-')) && TryCard(text, phrase, first, last, start, end, out match))
        {
            return true;
        }

        if (TrySsn(text, phrase, first, groups, digits, separator, sameSeparator, start, end, out match))
        {
            return true;
        }

        return PhoneRules.TryPhone(text, phrase, first, last, digits, separator, sameSeparator, out match);
    }

    private static bool TryIpv4(ReadOnlySpan<char> text, scoped in NumberPhrase phrase, int first, int start, int end, out PiiMatch match)
    {
        match = default;
        var allSmall = true;
        var allZero = true;
        for (var g = first; g < first + 4; g++)
        {
            var octet = text[phrase.GroupStart(g)..phrase.GroupEnd(g)];
            if (octet.Length > 3 || (octet.Length > 1 && octet[0] == '0'))
            {
                return false;
            }

            var value = int.Parse(octet);
            if (value > 255)
            {
                return false;
            }

            allSmall &= value < 10;
            allZero &= value == 0;
        }

        if (allZero || ContextWords.Near(text, start, end, ContextWords.IpNegative, 24, 8))
        {
            return false;
        }

        var context = ContextWords.Near(text, start, end, ContextWords.Ip);

        // "1.2.3.4" is as often a section or version number as an address: only context makes it one.
        var score = allSmall ? (context ? 0.6 : 0.3) : (context ? 0.95 : 0.8);
        match = new PiiMatch(Entities.IpAddress, start, end, score);
        return true;
    }

    private static bool TryCard(ReadOnlySpan<char> text, scoped in NumberPhrase phrase, int first, int last, int start, int end, out PiiMatch match)
    {
        match = default;
        var value = text[start..end];
        Span<char> digits = stackalloc char[19];
        if (value.Length > 40)
        {
            return false;
        }

        var n = 0;
        foreach (var c in value)
        {
            if (TextChars.IsDigit(c))
            {
                digits[n++] = c;
            }
        }

        if (!HasKnownIssuerPrefix(digits[..n]) || !Checksums.IsLuhnValid(digits[..n]))
        {
            return false;
        }

        var wellGrouped = first == last || IsCardGrouping(phrase, first, last);
        if (!wellGrouped)
        {
            return false;
        }

        var context = ContextWords.Near(text, start, end, ContextWords.Card);
        var score = (first == last ? 0.75 : 0.9) + (context ? 0.1 : 0);
        match = new PiiMatch(Entities.CreditCard, start, end, Math.Min(score, 1.0));
        return true;
    }

    private static bool IsCardGrouping(scoped in NumberPhrase phrase, int first, int last)
    {
        var groups = last - first + 1;
        if (groups == 3 && phrase.GroupLength(first + 1) == 6)
        {
            // Amex 4-6-5 and Diners 4-6-4.
            return phrase.GroupLength(first) == 4 && phrase.GroupLength(last) is 4 or 5;
        }

        for (var g = first; g < last; g++)
        {
            if (phrase.GroupLength(g) != 4)
            {
                return false;
            }
        }

        return phrase.GroupLength(last) is >= 1 and <= 4;
    }

    /// <summary>Issuer identification prefixes of the major networks; anything else is probably not a card.</summary>
    internal static bool HasKnownIssuerPrefix(ReadOnlySpan<char> digits)
    {
        if (digits.Length < 12)
        {
            return false;
        }

        var two = ((digits[0] - '0') * 10) + (digits[1] - '0');
        var four = (two * 100) + ((digits[2] - '0') * 10) + (digits[3] - '0');
        var length = digits.Length;
        return digits[0] == '4' && length is 13 or 16 or 19
            || two is >= 51 and <= 55 && length == 16
            || four is >= 2221 and <= 2720 && length == 16
            || two is 34 or 37 && length == 15
            || (four == 6011 || two == 65 || four is >= 6440 and <= 6499) && length is 16 or 19
            || two == 35 && length is >= 16 and <= 19
            || (four is 2131 or 1800) && length == 15
            || (two is 36 or 38 || four is >= 3000 and <= 3059) && length is 14 or 16
            || two == 62 && length is >= 16 and <= 19
            || (two is 50 or 56 or 57 or 58 || four is 6304 or 6759 or 6761 or 6762 or 6763) && length is >= 12 and <= 19;
    }

    private static bool TrySsn(ReadOnlySpan<char> text, scoped in NumberPhrase phrase, int first, int groups, int digits, char separator, bool sameSeparator, int start, int end, out PiiMatch match)
    {
        match = default;
        var shaped = groups == 3 && sameSeparator && separator is '-' or ' '
            && phrase.GroupLength(first) == 3 && phrase.GroupLength(first + 1) == 2 && phrase.GroupLength(first + 2) == 4;
        var bare = groups == 1 && digits == 9;
        if (!shaped && !bare)
        {
            return false;
        }

        var value = TextChars.DigitsOnly(text[start..end]);
        if (!IsValidSsn(value))
        {
            // A never-issued SSN in SSN shape is claimed with score 0 so it is not re-read as a phone number.
            match = new PiiMatch(Entities.UsSsn, start, end, 0);
            return shaped;
        }

        var context = ContextWords.Near(text, start, end, ContextWords.Ssn);
        double score = (shaped, separator, context) switch
        {
            (true, '-', true) => 0.95,
            (true, '-', false) => 0.8,
            (true, _, true) => 0.85,
            (true, _, false) => 0.4,
            (false, _, true) => 0.75,
            _ => 0.2,
        };
        match = new PiiMatch(Entities.UsSsn, start, end, score);
        return true;
    }

    /// <summary>SSA rules: area 000, 666 and 900–999, group 00 and serial 0000 are never issued.</summary>
    internal static bool IsValidSsn(ReadOnlySpan<char> nineDigits)
    {
        if (nineDigits.Length != 9)
        {
            return false;
        }

        var area = int.Parse(nineDigits[..3]);
        var group = int.Parse(nineDigits[3..5]);
        var serial = int.Parse(nineDigits[5..]);
        if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
        {
            return false;
        }

        // Well-known sample numbers that appear in documentation rather than about people.
        return !nineDigits.SequenceEqual("123456789") && !nineDigits.SequenceEqual("078051120");
    }
}
