namespace Quell.Scanning.Pii;

/// <summary>
/// Phone-number shapes (E.164 with '+', "00" international prefix, NANP, national trunk-0 and other grouped
/// numbers), then libphonenumber's verdict on the candidate; a trailing extension ("ext. 12", "x204") is included.
/// </summary>
internal static class PhoneRules
{
    public static bool TryPhone(ReadOnlySpan<char> text, scoped in NumberPhrase phrase, int first, int last, int digits, char separator, bool sameSeparator, out PiiMatch match)
    {
        match = default;
        var groups = last - first + 1;
        var plus = first == 0 && phrase.LeadingPlus;
        var paren = first == 0 && phrase.LeadingParen;
        var start = phrase.GroupStart(first) - (plus || paren ? 1 : 0);
        var end = phrase.GroupEnd(last);
        if (digits < 7 || digits > 15 || IsDateShape(phrase, first, groups, separator, sameSeparator))
        {
            return false;
        }

        if (separator == '/' && !sameSeparator)
        {
            return false;
        }

        var firstDigit = text[phrase.GroupStart(first)];
        double shape;
        if (plus)
        {
            shape = firstDigit == '0' || digits < 8 ? 0 : groups >= 2 ? 0.8 : 0.65;
        }
        else if (firstDigit == '0' && text[phrase.GroupStart(first) + 1] == '0' && groups >= 2 && digits >= 10)
        {
            shape = 0.65;
        }
        else if (IsNanp(text, phrase, first, last, groups, digits, separator, sameSeparator, paren))
        {
            shape = separator == '.' ? 0.6 : 0.75;
        }
        else if (firstDigit == '0' && groups >= 2 && digits is >= 9 and <= 11 && separator != '.')
        {
            shape = 0.55;
        }
        else if (groups >= 2 && digits is >= 7 and <= 12)
        {
            shape = 0.35;
        }
        else if (groups == 1 && digits is >= 10 and <= 12)
        {
            shape = 0.25;
        }
        else if (groups == 1 && digits is >= 8 and <= 9)
        {
            // Short bare runs ("927557922") are phones only when a numbering plan accepts them and a phone word is near.
            shape = 0.2;
        }
        else
        {
            return false;
        }

        if (shape <= 0)
        {
            return false;
        }

        // Numbers with a country code must be valid for that country; national ones gain when a region accepts them
        // and lose when none does (a grouped digit run that no numbering plan allows is more likely a reference).
        var international = plus || (firstDigit == '0' && text[phrase.GroupStart(first) + 1] == '0');
        // A bare short run can only pass with phone context; asking libphonenumber first (36 regions) would cost every
        // 8-9 digit number in prose tens of microseconds.
        var context = ContextWords.Near(text, start, end, ContextWords.Phone);
        if (groups == 1 && digits <= 9 && !context)
        {
            return false;
        }

        // An international number that its country's plan does not assign but whose length it allows is kept at a
        // score that only phone context lifts over the threshold: numbers handed out after the metadata was built,
        // and made-up numbers in test data, look like that; references and amounts rarely carry a '+'.
        var verdict = PhoneValidation.Check(text[start..end], international);
        if (international && verdict == PhoneVerdict.Invalid)
        {
            return false;
        }

        shape += verdict switch
        {
            PhoneVerdict.Valid => 0.1,
            PhoneVerdict.Possible => -0.35,
            _ => -0.3,
        };
        end = ExtensionEnd(text, end);

        if (context || ContextWords.Near(text, start, end, ContextWords.Phone))
        {
            shape += 0.3;
        }

        if (ContextWords.Near(text, start, end, ContextWords.PhoneNegative, 28, 0) || HashBefore(text, start))
        {
            shape -= 0.45;
        }

        match = new PiiMatch(Entities.Phone, start, end, Math.Clamp(shape, 0, 0.97));
        return true;
    }

    /// <summary>End of "ext. 123", "ext 12", "x204" or "#12" right after a number, else <paramref name="end"/>.</summary>
    private static int ExtensionEnd(ReadOnlySpan<char> text, int end)
    {
        var i = end;
        while (i < text.Length && text[i] is ' ' or ',')
        {
            i++;
        }

        var rest = text[i..];
        int skip;
        if (rest.StartsWith("ext.", StringComparison.OrdinalIgnoreCase))
        {
            skip = 4;
        }
        else if (rest.StartsWith("ext", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("x", StringComparison.OrdinalIgnoreCase))
        {
            skip = rest[0] is 'x' or 'X' ? 1 : 3;
        }
        else
        {
            return end;
        }

        i += skip;
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }

        var digits = 0;
        while (i + digits < text.Length && TextChars.IsDigit(text[i + digits]) && digits < 6)
        {
            digits++;
        }

        return digits > 0 && TextChars.WordBoundaryAfter(text, i + digits) ? i + digits : end;
    }

    private static bool HashBefore(ReadOnlySpan<char> text, int start)
    {
        var i = start - 1;
        while (i >= 0 && text[i] == ' ')
        {
            i--;
        }

        return i >= 0 && text[i] is '#' or '№';
    }

    private static bool IsNanp(ReadOnlySpan<char> text, scoped in NumberPhrase phrase, int first, int last, int groups, int digits, char separator, bool sameSeparator, bool paren)
    {
        var g = first;
        if (digits == 11 && phrase.GroupLength(first) == 1 && text[phrase.GroupStart(first)] == '1')
        {
            g++;
        }
        else if (digits != 10)
        {
            return false;
        }

        if (last - g != 2 || phrase.GroupLength(g) != 3 || phrase.GroupLength(g + 1) != 3 || phrase.GroupLength(g + 2) != 4)
        {
            return false;
        }

        // The area code never starts with 0 or 1; separators must agree unless the area code is in parentheses.
        return text[phrase.GroupStart(g)] >= '2' && (sameSeparator || paren || groups == 4) && separator != '/';
    }

    private static bool IsDateShape(scoped in NumberPhrase phrase, int first, int groups, char separator, bool sameSeparator)
    {
        if (groups != 3 || !sameSeparator || separator == ' ')
        {
            return false;
        }

        var a = phrase.GroupLength(first);
        var b = phrase.GroupLength(first + 1);
        var c = phrase.GroupLength(first + 2);
        return (a == 4 && b <= 2 && c <= 2) || (a <= 2 && b <= 2 && c is 2 or 4);
    }
}
