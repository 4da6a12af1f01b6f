using Quell.Scanning;
using Quell.Scanning.Pii;

namespace Quell.Tests.Scanning;

public sealed class PiiScannerTests
{
    private static List<ScanFinding> Scan(string text)
    {
        var findings = new List<ScanFinding>();
        new PiiScanner().Scan(text, findings);
        return findings;
    }

    private static (string Entity, string Value)[] Found(string text) => [.. Scan(text).Select(f => (f.Entity, text[f.Start..f.End]))];

    [Theory]
    [InlineData("4111 1111 1111 1111", true)]
    [InlineData("4111 1111 1111 1112", false)]
    [InlineData("378282246310005", true)]
    [InlineData("79927398713", true)]
    [InlineData("79927398710", false)]
    public void IsLuhnValid_KnownNumbers_MatchesExpectation(string number, bool expected) =>
        Assert.Equal(expected, Checksums.IsLuhnValid(number));

    [Theory]
    [InlineData("GB82 WEST 1234 5698 7654 32", true)]
    [InlineData("DE89370400440532013000", true)]
    [InlineData("DE89370400440532013001", false)]
    [InlineData("FR1420041010050500013M02606", true)]
    public void IsIbanMod97Valid_KnownIbans_MatchesExpectation(string iban, bool expected) =>
        Assert.Equal(expected, Checksums.IsIbanMod97Valid(iban));

    [Theory]
    [InlineData("Contact jane.doe@example.com for details.", "jane.doe@example.com")]
    [InlineData("mail: J.Smith+news@mail.co.uk.", "J.Smith+news@mail.co.uk")]
    public void Scan_Email_FindsAddress(string text, string expected) =>
        Assert.Contains((Entities.Email, expected), Found(text));

    [Theory]
    [InlineData("Call me at +44 20 7946 0958 tomorrow.", "+44 20 7946 0958")]
    [InlineData("My number is (555) 123-4567.", "(555) 123-4567")]
    [InlineData("Reach the desk on +1-202-555-0143.", "+1-202-555-0143")]
    [InlineData("Telefon: 0049 30 1234567", "0049 30 1234567")]
    [InlineData("phone 202.555.0172", "202.555.0172")]
    public void Scan_PhoneFormats_FindsPhone(string text, string expected) =>
        Assert.Contains((Entities.Phone, expected), Found(text));

    [Theory]
    [InlineData("The release is 2024-03-15 and version 10.2.3.")]
    [InlineData("Your order #123456789012 has shipped.")]
    [InlineData("The population grew from 1200000 to 1500000 people.")]
    [InlineData("Build 20240315123456 passed.")]
    [InlineData("Meeting on 12/05/2024 at 10:30.")]
    [InlineData("Between 1999 and 2004 sales rose 35 percent.")]
    public void Scan_NumbersThatAreNotPhones_FindsNothing(string text) => Assert.Empty(Scan(text));

    [Theory]
    [InlineData("Card: 4111-1111-1111-1111", "4111-1111-1111-1111")]
    [InlineData("amex 3782 822463 10005 on file", "3782 822463 10005")]
    [InlineData("paid with 5555555555554444 yesterday", "5555555555554444")]
    public void Scan_LuhnValidCard_FindsCard(string text, string expected) =>
        Assert.Contains((Entities.CreditCard, expected), Found(text));

    [Fact]
    public void Scan_LuhnInvalidCard_NotReportedAsCard() =>
        Assert.DoesNotContain(Scan("Card: 4111-1111-1111-1112"), f => f.Entity == Entities.CreditCard);

    [Fact]
    public void Scan_Iban_FindsIban() =>
        Assert.Contains((Entities.Iban, "GB82 WEST 1234 5698 7654 32"), Found("Pay to IBAN GB82 WEST 1234 5698 7654 32 today."));

    [Fact]
    public void Scan_IbanWithBadCheckDigits_FindsNothing() => Assert.Empty(Scan("IBAN GB83 WEST 1234 5698 7654 32"));

    [Theory]
    [InlineData("SSN: 123-45-6788")]
    [InlineData("her social security number is 536-22-1234")]
    public void Scan_ValidSsn_FindsSsn(string text) => Assert.Contains(Scan(text), f => f.Entity == Entities.UsSsn);

    [Theory]
    [InlineData("SSN: 000-12-3456")]
    [InlineData("SSN: 666-12-3456")]
    [InlineData("SSN: 912-12-3456")]
    [InlineData("SSN: 123-00-3456")]
    [InlineData("SSN: 123-45-0000")]
    public void Scan_SsnInInvalidRange_FindsNothing(string text) => Assert.Empty(Scan(text));

    [Theory]
    [InlineData("Server at 192.168.10.24 refused", "192.168.10.24")]
    [InlineData("client ip 2001:db8:85a3::8a2e:370:7334 seen", "2001:db8:85a3::8a2e:370:7334")]
    public void Scan_IpAddress_FindsIp(string text, string expected) =>
        Assert.Contains((Entities.IpAddress, expected), Found(text));

    [Theory]
    [InlineData("Listening on 0.0.0.0 now")]
    [InlineData("See section 1.2.3.4 of the spec")]
    [InlineData("Upgrade to version 2.10.1.5 today")]
    [InlineData("Use std::vector and call it at 10:30:45.")]
    public void Scan_IpLookAlikes_FindsNothing(string text) => Assert.Empty(Scan(text));

    [Fact]
    public void Scan_Finding_HasMaskedEvidenceAndOffsets()
    {
        const string text = "write to jane.doe@example.com";
        var finding = Assert.Single(Scan(text));
        Assert.Equal("j***@example.com", finding.Evidence);
        Assert.Equal("jane.doe@example.com", text[finding.Start..finding.End]);
    }
}
