using Quell.Scanning;

namespace Quell.Tests.Scanning;

/// <summary>The PII shapes public sets exercise: every card length, national phone formats, any-case IBANs, names, addresses.</summary>
public sealed class PiiCoverageTests
{
    private static IReadOnlyList<ScanFinding> Scan(string text, ContentScannerOptions? options = null) =>
        new ContentScanner(options ?? new ContentScannerOptions { InjectionModel = false }).ScanOutput(text).Findings;

    [Theory]
    [InlineData("Maestro 12 digits: 5018 0000 0009 please.", "5018 0000 0009")]
    [InlineData("Card on file 6759649826438453 expires soon.", "6759649826438453")]
    [InlineData("Old JCB card 180000000000002 was charged.", "180000000000002")]
    [InlineData("Old JCB card 213100000000001 was charged.", "213100000000001")]
    [InlineData("Visa 13: 4222222222222 is on the account.", "4222222222222")]
    [InlineData("The 19-digit card 6304 0000 0000 0000 018 was used.", "6304 0000 0000 0000 018")]
    public void ScanOutput_CardOfAnyIssuedLength_Found(string text, string card)
    {
        var finding = Assert.Single(Scan(text), f => f.Entity == Entities.CreditCard);
        Assert.Equal(card, text[finding.Start..finding.End]);
    }

    [Fact]
    public void ScanOutput_LuhnInvalidTwelveDigits_NotACard()
    {
        Assert.DoesNotContain(Scan("Reference 5018 0000 0008 is closed."), f => f.Entity == Entities.CreditCard);
    }

    [Theory]
    [InlineData("Transfer to de89 3704 0044 0532 0130 00 today.")]
    [InlineData("IBAN gb82west12345698765432 on file.")]
    [InlineData("Konto: De89370400440532013000.")]
    public void ScanOutput_IbanInAnyCase_Found(string text)
    {
        Assert.Contains(Scan(text), f => f.Entity == Entities.Iban);
    }

    [Theory]
    [InlineData("Call our Berlin office on 030 901820 about it.")]
    [InlineData("Ring me on 020 7946 0958 ext. 204 tomorrow.")]
    [InlineData("My number is (202) 555-0143 x12.")]
    [InlineData("Téléphone : 01 42 68 53 00.")]
    [InlineData("Reach him at +81 3-3224-9999 in Tokyo.")]
    [InlineData("WhatsApp +55 11 91234-5678 works best.")]
    public void ScanOutput_PhoneInNationalOrInternationalFormat_Found(string text)
    {
        Assert.Contains(Scan(text), f => f.Entity == Entities.Phone);
    }

    [Fact]
    public void ScanOutput_PhoneWithExtension_SpanIncludesIt()
    {
        const string text = "Ring me on 020 7946 0958 ext. 204 tomorrow.";
        var phone = Assert.Single(Scan(text), f => f.Entity == Entities.Phone);
        Assert.Equal("020 7946 0958 ext. 204", text[phone.Start..phone.End]);
    }

    [Theory]
    [InlineData("+1 000 000 0000 is not a number.")]
    [InlineData("Invoice 2024-0042-17 is overdue.")]
    public void ScanOutput_InvalidInternationalOrReference_NotAPhone(string text)
    {
        Assert.DoesNotContain(Scan(text), f => f.Entity == Entities.Phone);
    }

    [Theory]
    [InlineData("The parcel for Jennifer Whitaker is at the depot.", "Jennifer Whitaker")]
    [InlineData("Please ask Dr. Amara Okafor to sign.", "Dr. Amara Okafor")]
    [InlineData("Dear Herr Schneider, your order shipped.", "Herr Schneider")]
    [InlineData("My name is Tomasz Wróblewski and I need help.", "Tomasz Wróblewski")]
    public void ScanOutput_PersonName_Found(string text, string name)
    {
        var finding = Assert.Single(Scan(text), f => f.Entity == Entities.Person);
        Assert.Equal(name, text[finding.Start..finding.End]);
        Assert.DoesNotContain(name, finding.Evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Main Street will be closed on Monday.")]
    [InlineData("We met at Grace Hopper Hall in March.")]
    [InlineData("Acme Corp and Globex Inc signed the deal.")]
    [InlineData("The Jordan River flows south.")]
    public void ScanOutput_CapitalisedNonNames_NotAPerson(string text)
    {
        Assert.DoesNotContain(Scan(text), f => f.Entity == Entities.Person);
    }

    [Theory]
    [InlineData("Ship it to 221B Baker Street, London.", "221B Baker Street")]
    [InlineData("The office is at 1600 Pennsylvania Ave NW today.", "1600 Pennsylvania Ave NW")]
    [InlineData("Neue Adresse: Schillerstraße 12, 10625 Berlin.", "Schillerstraße 12")]
    [InlineData("Envoyez-le au 12 rue de la Paix à Paris.", "12 rue de la Paix")]
    [InlineData("La sede è in Via Roma 5 a Torino.", "Via Roma 5")]
    [InlineData("Mi dirección es Calle Mayor 7, Madrid.", "Calle Mayor 7")]
    [InlineData("Deliver to 42 Elm Road Apt. 4B please.", "42 Elm Road Apt. 4B")]
    public void ScanOutput_StreetAddress_Found(string text, string address)
    {
        var finding = Assert.Single(Scan(text), f => f.Entity == Entities.StreetAddress);
        Assert.Equal(address, text[finding.Start..finding.End]);
    }

    [Theory]
    [InlineData("We shipped 300 Units last week.")]
    [InlineData("Version 12 Release notes are online.")]
    [InlineData("Main Street will be closed on Monday.")]
    public void ScanOutput_NumbersNearCapitalisedWords_NotAnAddress(string text)
    {
        Assert.DoesNotContain(Scan(text), f => f.Entity == Entities.StreetAddress);
    }

    [Fact]
    public void ScanOutput_OperatorsPublicContactValues_NeverALeak()
    {
        var options = new ContentScannerOptions { InjectionModel = false, PublicValues = ["help@acme.example", "+1 (415) 555-0100"] };
        const string answer = "Write to HELP@acme.example or call 415-555-0100; your agent is at jane.roe@acme.example.";
        var findings = Scan(answer, options);
        var email = Assert.Single(findings, f => f.Entity == Entities.Email);
        Assert.Equal("jane.roe@acme.example", answer[email.Start..email.End]);
        Assert.DoesNotContain(findings, f => f.Entity == Entities.Phone);
    }
}
