namespace Quell.Scanning;

/// <summary>Masked excerpts for findings: enough for a responder to recognise the value, never enough to reuse it.</summary>
public static class EvidenceMask
{
    public static string ForPii(string entity, ReadOnlySpan<char> value) => entity switch
    {
        Entities.Email => MaskEmail(value),
        Entities.IpAddress => MaskIp(value),
        Entities.Iban => string.Concat(value[..2], "**", "***", LastDigits(value, 4)),
        Entities.UsSsn => "***-**-" + LastDigits(value, 4),
        Entities.CreditCard => "****-****-****-" + LastDigits(value, 4),
        Entities.Person => Initials(value),
        Entities.StreetAddress => string.Concat("*** (", value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), " chars)"),
        _ => "***" + LastDigits(value, 4),
    };

    /// <summary>"Kian Kassulke" → "K. K.": enough to tell two names apart, not enough to identify anyone.</summary>
    private static string Initials(ReadOnlySpan<char> value)
    {
        var builder = new System.Text.StringBuilder();
        var start = true;
        foreach (var c in value)
        {
            if (char.IsLetter(c) && start)
            {
                builder.Append(builder.Length == 0 ? string.Empty : " ").Append(c).Append('.');
            }

            start = c == ' ';
        }

        return builder.ToString();
    }

    /// <summary>First few characters and the length: identifies which key leaked without disclosing it.</summary>
    public static string ForSecret(ReadOnlySpan<char> value)
    {
        var length = value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (value.StartsWith("-----BEGIN"))
        {
            var newline = value.IndexOfAny('\r', '\n');
            var header = newline < 0 ? value[..Math.Min(value.Length, 40)] : value[..newline];
            return string.Concat(header, " …(", length, " chars)");
        }

        var keep = Math.Min(value.Length / 4, 6);
        return string.Concat(value[..keep], "…(", length, " chars)");
    }

    private static string MaskEmail(ReadOnlySpan<char> value)
    {
        var at = value.IndexOf('@');
        return at <= 0 ? "***" : string.Concat(value[..1], "***", value[at..]);
    }

    private static string MaskIp(ReadOnlySpan<char> value)
    {
        var dot = value.IndexOf('.');
        if (dot > 0)
        {
            var second = value[(dot + 1)..].IndexOf('.');
            return second < 0 ? "*.*.*.*" : string.Concat(value[..(dot + second + 1)], ".*.*");
        }

        var colon = value.IndexOf(':');
        return colon < 0 ? "***" : string.Concat(value[..colon], ":****");
    }

    private static string LastDigits(ReadOnlySpan<char> value, int count)
    {
        Span<char> buffer = stackalloc char[count];
        var n = 0;
        for (var i = value.Length - 1; i >= 0 && n < count; i--)
        {
            if (TextChars.IsAsciiLetterOrDigit(value[i]))
            {
                buffer[count - 1 - n] = value[i];
                n++;
            }
        }

        return new string(buffer[(count - n)..]);
    }
}
