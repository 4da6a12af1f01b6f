namespace Quell.Scanning.Pii;

/// <summary>Recognises an e-mail address around an '@' by walking outwards with RFC 5321 length limits.</summary>
internal static class EmailRecognizer
{
    private static readonly string[] FileExtensions = ["png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "json", "html", "txt", "pdf", "ico"];

    public static bool TryMatch(ReadOnlySpan<char> text, int at, out PiiMatch match)
    {
        match = default;
        var start = at;
        while (start > 0 && at - start < 64 && IsLocalChar(text[start - 1]))
        {
            start--;
        }

        // A local part longer than 64 chars is not an address; bounding the walk keeps adversarial input linear.
        if (start > 0 && IsLocalChar(text[start - 1]))
        {
            return false;
        }

        while (start < at && (text[start] == '.' || text[start] == '-' || text[start] == '+'))
        {
            start++;
        }

        if (start == at || text[at - 1] == '.' || (start > 0 && char.IsLetterOrDigit(text[start - 1])))
        {
            return false;
        }

        var end = at + 1;
        var lastDot = -1;
        var labelLength = 0;
        while (end < text.Length && end - at <= 253)
        {
            var c = text[end];
            if (TextChars.IsAsciiLetterOrDigit(c) || c == '-')
            {
                labelLength++;
                end++;
            }
            else if (c == '.' && labelLength > 0 && end + 1 < text.Length && TextChars.IsAsciiLetterOrDigit(text[end + 1]))
            {
                lastDot = end;
                labelLength = 0;
                end++;
            }
            else
            {
                break;
            }
        }

        if (lastDot < 0 || text[end - 1] == '-')
        {
            return false;
        }

        var tld = text[(lastDot + 1)..end];
        if (tld.Length < 2 || tld.Length > 24)
        {
            return false;
        }

        foreach (var c in tld)
        {
            if (!TextChars.IsAsciiLetter(c))
            {
                return false;
            }
        }

        foreach (var extension in FileExtensions)
        {
            if (tld.Equals(extension, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        // Format descriptions ("name@domain.tld") document the shape of an address; they are nobody's address.
        if (tld.Equals("tld", StringComparison.OrdinalIgnoreCase) || text[(at + 1)..end].StartsWith("domain.", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var score = ContextWords.Near(text, start, end, ContextWords.Email) ? 0.95 : 0.85;
        match = new PiiMatch(Entities.Email, start, end, score);
        return true;
    }

    private static bool IsLocalChar(char c) => TextChars.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';
}
