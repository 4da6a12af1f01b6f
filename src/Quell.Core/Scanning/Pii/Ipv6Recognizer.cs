using System.Net;
using System.Net.Sockets;

namespace Quell.Scanning.Pii;

/// <summary>Recognises IPv6 addresses around a ':' and lets <see cref="IPAddress"/> do the validation.</summary>
internal static class Ipv6Recognizer
{
    private const int MaxLength = 45;

    public static bool TryMatch(ReadOnlySpan<char> text, int colon, out PiiMatch match, out int resumeAt)
    {
        match = default;
        resumeAt = colon + 1;
        var start = colon;
        while (start > 0 && colon - start < MaxLength && IsAddressChar(text[start - 1]))
        {
            start--;
        }

        var end = colon + 1;
        while (end < text.Length && end - start < MaxLength && (IsAddressChar(text[end]) || text[end] == '.'))
        {
            end++;
        }

        while (end > colon + 1 && text[end - 1] == '.')
        {
            end--;
        }

        resumeAt = end;
        if ((start > 0 && (TextChars.IsWordChar(text[start - 1]) || text[start - 1] == ':')) || (end < text.Length && TextChars.IsWordChar(text[end])))
        {
            return false;
        }

        var candidate = text[start..end];
        var colons = 0;
        var hexDigits = 0;
        foreach (var c in candidate)
        {
            if (c == ':')
            {
                colons++;
            }
            else
            {
                hexDigits++;
            }
        }

        if (colons < 2 || hexDigits < 4 || !IPAddress.TryParse(candidate, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var score = ContextWords.Near(text, start, end, ContextWords.Ip) ? 0.9 : 0.75;
        match = new PiiMatch(Entities.IpAddress, start, end, score);
        return true;
    }

    private static bool IsAddressChar(char c) => TextChars.IsDigit(c) || (uint)((c | 0x20) - 'a') <= 'f' - 'a' || c == ':';
}
