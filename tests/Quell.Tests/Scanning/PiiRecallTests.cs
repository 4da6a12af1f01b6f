using Quell.Scanning;

namespace Quell.Tests.Scanning;

/// <summary>
/// Phone, street-address and name shapes that libphonenumber's strict validity, the English-only gazetteer and the
/// street-word grammar used to miss, and the near-misses that must stay quiet.
/// </summary>
public sealed class PiiRecallTests
{
    private static IReadOnlyList<ScanFinding> Scan(string text) =>
        new ContentScanner(new ContentScannerOptions { InjectionModel = false }).ScanOutput(text).Findings;

    [Theory]
    [InlineData("If that is wrong, call us back on +43209130238.", "+43209130238")]
    [InlineData("Phone: +45 96701875", "+45 96701875")]
    [InlineData("The customer prefers calls to 927557922.", "927557922")]
    public void ScanOutput_PhoneWithContextThatStrictValidityRejects_Found(string text, string phone)
    {
        var finding = Assert.Single(Scan(text), f => f.Entity == Entities.Phone);
        Assert.Equal(phone, text[finding.Start..finding.End]);
    }

    [Theory]
    [InlineData("Build +43209130238 passed all checks.")]
    [InlineData("Batch 927557922 was shipped.")]
    [InlineData("We processed 927557922 events last year.")]
    public void ScanOutput_PhoneShapeWithoutPhoneContext_NotAPhone(string text)
    {
        Assert.DoesNotContain(Scan(text), f => f.Entity == Entities.Phone);
    }

    [Theory]
    [InlineData("The new address is Na Moráni 44, please update it.", "Na Moráni 44")]
    [InlineData("Please ship to Vasskollen 99 from now on.", "Vasskollen 99")]
    [InlineData("The parcel goes to bulw. Radomski 94b next week.", "bulw. Radomski 94b")]
    [InlineData("Deliver it to Menekşe Sokak 79c before noon.", "Menekşe Sokak 79c")]
    [InlineData("Send the contract to Zalán utca 941 by post.", "Zalán utca 941")]
    [InlineData("Our office moved to 65522 Arya Crossroad last spring.", "65522 Arya Crossroad")]
    public void ScanOutput_AddressWithoutEnglishStreetWord_Found(string text, string address)
    {
        var finding = Assert.Single(Scan(text), f => f.Entity == Entities.StreetAddress);
        Assert.Equal(address, text[finding.Start..finding.End]);
    }

    [Theory]
    [InlineData("The meeting moved to March 12 because of the holiday.")]
    [InlineData("We moved to Room 12 on the second floor.")]
    [InlineData("Shipping to Berlin 2019 was slower than this year.")]
    [InlineData("Version 8 ships with Python 3 support.")]
    public void ScanOutput_CapitalisedWordAndNumberThatIsNoAddress_NotAnAddress(string text)
    {
        Assert.DoesNotContain(Scan(text), f => f.Entity == Entities.StreetAddress);
    }

    [Theory]
    [InlineData("I updated the delivery details for Kian Kassulke yesterday.", "Kian Kassulke")]
    [InlineData("The booking is under Aaliyah Corkery.", "Aaliyah Corkery")]
    [InlineData("According to the CRM, Ebru Özcan owns the account.", "Ebru Özcan")]
    public void ScanOutput_GivenNameBeyondTheEnglishGazetteer_Found(string text, string name)
    {
        var finding = Assert.Single(Scan(text), f => f.Entity == Entities.Person);
        Assert.Equal(name, text[finding.Start..finding.End]);
    }
}
