using PhoneNumbers;

namespace Quell.Scanning.Pii;

/// <summary>
/// Decides whether a phone-shaped digit run is a real number with Google's libphonenumber metadata (the library
/// Presidio uses): international numbers for every region, national numbers for the regions in
/// <see cref="NationalRegions"/>. Only candidates the cheap shape rules found reach it.
/// </summary>
internal static class PhoneValidation
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// Regions whose national formats are tried when a number has no country code: the twenty most populous
    /// markets of online services plus the EU and the English-speaking world. A national number valid in one is a phone.
    /// </summary>
    public static readonly string[] NationalRegions =
    [
        "US", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI", "PL", "PT", "IE", "CZ",
        "AU", "NZ", "IN", "JP", "KR", "CN", "BR", "MX", "AR", "ZA", "TR", "RU", "UA", "ID", "PH", "SG", "IL", "NG",
    ];

    /// <summary>
    /// Whether <paramref name="candidate"/> (digits, separators, an optional leading '+') is a valid number; an
    /// international number whose country code exists and whose length that country allows, but whose digits its
    /// numbering plan does not (yet) assign, is <see cref="PhoneVerdict.Possible"/>.
    /// </summary>
    public static PhoneVerdict Check(ReadOnlySpan<char> candidate, bool international)
    {
        var text = candidate.ToString();
        try
        {
            if (international)
            {
                if (text.StartsWith("00", StringComparison.Ordinal))
                {
                    text = "+" + text[2..];
                }

                var number = Util.Parse(text, "ZZ");
                return Util.IsValidNumber(number) ? PhoneVerdict.Valid
                    : Util.IsPossibleNumberWithReason(number) == PhoneNumberUtil.ValidationResult.IS_POSSIBLE ? PhoneVerdict.Possible
                    : PhoneVerdict.Invalid;
            }

            foreach (var region in NationalRegions)
            {
                var number = Util.Parse(text, region);
                if (Util.IsValidNumberForRegion(number, region))
                {
                    return PhoneVerdict.Valid;
                }
            }
        }
        catch (NumberParseException)
        {
            // Not a number in that form: an expected outcome, not a bug.
        }

        return PhoneVerdict.Invalid;
    }
}

/// <summary>libphonenumber's verdict on a phone-shaped candidate.</summary>
internal enum PhoneVerdict
{
    Invalid,
    Possible,
    Valid,
}
