namespace Quell.Scanning.Secrets;

/// <summary>
/// <c>api_key = "…"</c>, <c>"client_secret": "…"</c>, <c>TOKEN=…</c>: a credential-like name assigned a value that is
/// long and random enough (Shannon entropy, as gitleaks' generic-api-key rule) and not a placeholder.
/// </summary>
internal static class GenericAssignmentRule
{
    private static readonly string[] Keywords = ["key", "secret", "token", "password", "passwd", "pwd", "credential"];
    private static readonly string[] Placeholders = ["example", "your", "xxxx", "placeholder", "changeme", "redacted", "dummy", "sample", "****", "...", "<", "${", "{{", "here", "insert", "replace"];

    public static bool TryMatch(ReadOnlySpan<char> text, int i, out SecretMatch match)
    {
        match = default;
        var keyword = KeywordAt(text[i..]);
        if (keyword == 0)
        {
            return false;
        }

        // The name around the keyword: "aws_secret_access_key", "OPENAI_API_KEY", "apiKey".
        var nameStart = i;
        while (nameStart > 0 && i - nameStart < 40 && IsNameChar(text[nameStart - 1]))
        {
            nameStart--;
        }

        var nameEnd = i + keyword;
        while (nameEnd < text.Length && nameEnd - i < 40 && IsNameChar(text[nameEnd]))
        {
            nameEnd++;
        }

        var name = text[nameStart..nameEnd];
        if (name.Length > 48)
        {
            return false;
        }

        // The assignment first: in prose ("the key to success") it is missing, and it is the cheaper test.
        var p = nameEnd;
        p = Skip(text, p, static c => c is '"' or '\'' or '`' or ']');
        p = Skip(text, p, static c => c is ' ' or '\t');
        var assignment = p;
        p = Skip(text, p, static c => c is ':' or '=' or '>');
        if (p == assignment || p - assignment > 2 || name.Contains("public", StringComparison.OrdinalIgnoreCase) || name.Contains("keyboard", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        p = Skip(text, p, static c => c is ' ' or '\t');
        var quote = p < text.Length && text[p] is '"' or '\'' or '`' ? text[p] : '\0';
        if (quote != '\0')
        {
            p++;
        }

        var valueStart = p;
        var valueEnd = TokenRules.Run(text, valueStart, static c => TextChars.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '+' or '/' or '=' or '.' or '~', 200);
        var value = text[valueStart..valueEnd].TrimEnd('.');
        valueEnd = valueStart + value.Length;
        if (value.Length < 16 || value.Length > 200 || (quote != '\0' && (valueEnd >= text.Length || text[valueEnd] != quote)) || (quote == '\0' && !TextChars.WordBoundaryAfter(text, valueEnd)))
        {
            return false;
        }

        if (IsPlaceholder(value) || !LooksRandom(value))
        {
            return false;
        }

        var isAwsSecret = name.Contains("aws", StringComparison.OrdinalIgnoreCase) && name.Contains("secret", StringComparison.OrdinalIgnoreCase) && value.Length == 40;
        var entropy = TextChars.ShannonEntropy(value);
        var score = isAwsSecret ? 0.95 : entropy >= 4.2 ? 0.85 : 0.7;
        match = new SecretMatch(isAwsSecret ? Entities.AwsSecretKey : Entities.GenericSecret, valueStart, valueEnd, score);
        return true;
    }

    private static int KeywordAt(ReadOnlySpan<char> rest)
    {
        foreach (var keyword in Keywords)
        {
            if (rest.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
            {
                return keyword.Length;
            }
        }

        return 0;
    }

    private static bool LooksRandom(ReadOnlySpan<char> value)
    {
        var digits = 0;
        var letters = 0;
        foreach (var c in value)
        {
            if (TextChars.IsDigit(c))
            {
                digits++;
            }
            else if (TextChars.IsAsciiLetter(c))
            {
                letters++;
            }
        }

        // Paths, dotted names and words joined by underscores are low-entropy or digit-free; real keys are neither.
        return digits > 0 && letters > 0 && TextChars.ShannonEntropy(value) >= 3.5 && value.Count('/') <= 2 && value.Count('.') <= 1;
    }

    private static bool IsPlaceholder(ReadOnlySpan<char> value)
    {
        foreach (var placeholder in Placeholders)
        {
            if (value.Contains(placeholder, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNameChar(char c) => TextChars.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';

    private static int Skip(ReadOnlySpan<char> text, int p, Func<char, bool> skip)
    {
        while (p < text.Length && skip(text[p]))
        {
            p++;
        }

        return p;
    }
}
