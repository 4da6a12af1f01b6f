namespace Quell.Scanning.Pii;

/// <summary>Check-digit algorithms that turn "looks like a number" into "is a valid identifier".</summary>
public static class Checksums
{
    /// <summary>Luhn (mod 10) check over the digits of <paramref name="value"/>; other characters are skipped.</summary>
    public static bool IsLuhnValid(ReadOnlySpan<char> value)
    {
        var sum = 0;
        var digits = 0;
        var doubleIt = false;
        for (var i = value.Length - 1; i >= 0; i--)
        {
            var c = value[i];
            if (!TextChars.IsDigit(c))
            {
                continue;
            }

            var d = c - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            digits++;
            doubleIt = !doubleIt;
        }

        return digits > 1 && sum % 10 == 0;
    }

    /// <summary>ISO 13616 mod-97 check of an IBAN; spaces are ignored, letters must be upper case.</summary>
    public static bool IsIbanMod97Valid(ReadOnlySpan<char> iban)
    {
        Span<char> compact = stackalloc char[Math.Min(iban.Length, 64)];
        var n = 0;
        foreach (var c in iban)
        {
            if (c == ' ')
            {
                continue;
            }

            if (n == compact.Length || !TextChars.IsUpperAlnum(c))
            {
                return false;
            }

            compact[n++] = c;
        }

        if (n < 5)
        {
            return false;
        }

        // Move the country code and check digits to the end, then reduce digit by digit so no big integers are needed.
        var remainder = 0;
        for (var k = 0; k < n; k++)
        {
            var c = compact[(k + 4) % n];
            if (TextChars.IsDigit(c))
            {
                remainder = ((remainder * 10) + (c - '0')) % 97;
            }
            else
            {
                remainder = ((remainder * 100) + (c - 'A' + 10)) % 97;
            }
        }

        return remainder == 1;
    }
}
