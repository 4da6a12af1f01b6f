namespace Quell.Scanning.Secrets;

/// <summary>Vendor tokens with a fixed prefix and a known body shape (lengths and charsets as in gitleaks' rules).</summary>
internal static class TokenRules
{
    public static bool TryAwsAccessKey(ReadOnlySpan<char> text, int i, out SecretMatch match)
    {
        match = default;
        var rest = text[i..];
        if (!(rest.StartsWith("AKIA") || rest.StartsWith("ASIA") || rest.StartsWith("ABIA") || rest.StartsWith("ACCA")) || !TextChars.WordBoundaryBefore(text, i))
        {
            return false;
        }

        var end = Run(text, i + 4, static c => (uint)(c - 'A') <= 'Z' - 'A' || (uint)(c - '2') <= '7' - '2', 16);
        if (end - i != 20 || !TextChars.WordBoundaryAfter(text, end) || text[i..end].Contains("EXAMPLE", StringComparison.Ordinal))
        {
            return false;
        }

        match = new SecretMatch(Entities.AwsAccessKey, i, end, 0.95);
        return true;
    }

    public static bool TryOpenAiAnthropicOrStripe(ReadOnlySpan<char> text, int i, out SecretMatch match)
    {
        match = default;
        if (i > 0 && (TextChars.IsWordChar(text[i - 1]) || text[i - 1] == '-'))
        {
            return false;
        }

        var rest = text[i..];
        if (rest.StartsWith("sk_live_") || rest.StartsWith("rk_live_") || rest.StartsWith("sk_test_") || rest.StartsWith("rk_test_"))
        {
            var bodyEnd = Run(text, i + 8, TextChars.IsAsciiLetterOrDigit, 99);
            if (bodyEnd - (i + 8) < 16 || !TextChars.WordBoundaryAfter(text, bodyEnd) || TextChars.ShannonEntropy(text[(i + 8)..bodyEnd]) < 3.2)
            {
                return false;
            }

            match = new SecretMatch(Entities.StripeKey, i, bodyEnd, rest[3] == 'l' ? 0.95 : 0.8);
            return true;
        }

        if (!rest.StartsWith("sk-"))
        {
            return false;
        }

        var end = Run(text, i + 3, TextChars.IsBase64Url, 256);
        var token = text[i..end];
        if (!TextChars.WordBoundaryAfter(text, end))
        {
            return false;
        }

        if (token.StartsWith("sk-ant-"))
        {
            if (token.Length < 40 || TextChars.ShannonEntropy(token[7..]) < 3.5)
            {
                return false;
            }

            match = new SecretMatch(Entities.AnthropicKey, i, end, 0.97);
            return true;
        }

        var body = token[3..];
        var legacy = body.Contains("T3BlbkFJ", StringComparison.Ordinal);
        if (body.Length < 32 || (!legacy && (TextChars.ShannonEntropy(body) < 3.8 || !HasMixedCharset(body))))
        {
            return false;
        }

        match = new SecretMatch(Entities.OpenAiKey, i, end, legacy || body.StartsWith("proj-") ? 0.97 : 0.9);
        return true;
    }

    public static bool TryGitHub(ReadOnlySpan<char> text, int i, out SecretMatch match)
    {
        match = default;
        var rest = text[i..];
        if (!TextChars.WordBoundaryBefore(text, i))
        {
            return false;
        }

        int end;
        if (rest.StartsWith("github_pat_"))
        {
            end = Run(text, i + 11, TextChars.IsWordChar, 255);
            if (end - (i + 11) < 60)
            {
                return false;
            }
        }
        else if (rest.Length > 4 && rest[2] is 'p' or 'o' or 'u' or 's' or 'r' && rest[3] == '_')
        {
            end = Run(text, i + 4, TextChars.IsAsciiLetterOrDigit, 255);
            if (end - (i + 4) != 36)
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        if (!TextChars.WordBoundaryAfter(text, end) || TextChars.ShannonEntropy(text[i..end]) < 3.5)
        {
            return false;
        }

        match = new SecretMatch(Entities.GitHubToken, i, end, 0.97);
        return true;
    }

    public static bool TrySlackToken(ReadOnlySpan<char> text, int i, out SecretMatch match)
    {
        match = default;
        var rest = text[i..];
        if (!TextChars.WordBoundaryBefore(text, i))
        {
            return false;
        }

        var end = Run(text, i, static c => TextChars.IsAsciiLetterOrDigit(c) || c == '-', 256);
        var token = text[i..end];
        var valid = rest.StartsWith("xapp-")
            ? token.Length >= 30 && token.Length > 6 && TextChars.IsDigit(token[5])
            : token.Length >= 24 && token.Length > 4 && token[3] is 'a' or 'b' or 'p' or 'o' or 's' or 'r' or 'e' && token[4] == '-' && LongestDigitRun(token) >= 8;
        if (!valid || !TextChars.WordBoundaryAfter(text, end))
        {
            return false;
        }

        match = new SecretMatch(Entities.SlackToken, i, end, 0.95);
        return true;
    }

    public static bool TrySlackWebhook(ReadOnlySpan<char> text, int i, out SecretMatch match)
    {
        match = default;
        var start = i;
        if (i >= 8 && text[(i - 8)..i].SequenceEqual("https://"))
        {
            start = i - 8;
        }

        var pathStart = i + "hooks.slack.com/".Length;
        var rest = text[pathStart..];
        if (!(rest.StartsWith("services/") || rest.StartsWith("workflows/") || rest.StartsWith("triggers/")))
        {
            return false;
        }

        var end = Run(text, pathStart, static c => TextChars.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-', 200);
        if (end - pathStart < 40)
        {
            return false;
        }

        match = new SecretMatch(Entities.SlackWebhook, start, end, 0.97);
        return true;
    }

    public static bool TryGoogle(ReadOnlySpan<char> text, int i, out SecretMatch match)
    {
        match = default;
        var end = Run(text, i + 4, TextChars.IsBase64Url, 64);
        if (end - i != 39 || !TextChars.WordBoundaryBefore(text, i) || !TextChars.WordBoundaryAfter(text, end) && text[end] != '-')
        {
            return false;
        }

        match = new SecretMatch(Entities.GoogleApiKey, i, end, 0.95);
        return true;
    }

    /// <summary>End of the run of chars satisfying <paramref name="allowed"/> from <paramref name="from"/>, read at most <paramref name="max"/> + 1 chars so an overlong run is visible.</summary>
    internal static int Run(ReadOnlySpan<char> text, int from, Func<char, bool> allowed, int max)
    {
        var end = from;
        var limit = Math.Min(text.Length, from + max + 1);
        while (end < limit && allowed(text[end]))
        {
            end++;
        }

        return end;
    }

    internal static bool HasMixedCharset(ReadOnlySpan<char> value)
    {
        bool upper = false, lower = false, digit = false;
        foreach (var c in value)
        {
            upper |= char.IsAsciiLetterUpper(c);
            lower |= char.IsAsciiLetterLower(c);
            digit |= char.IsAsciiDigit(c);
        }

        return (upper ? 1 : 0) + (lower ? 1 : 0) + (digit ? 1 : 0) >= 2;
    }

    private static int LongestDigitRun(ReadOnlySpan<char> value)
    {
        int best = 0, current = 0;
        foreach (var c in value)
        {
            current = TextChars.IsDigit(c) ? current + 1 : 0;
            best = Math.Max(best, current);
        }

        return best;
    }
}
