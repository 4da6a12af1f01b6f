using Quell.Scanning;

namespace Quell.Tests.Scanning;

public sealed class RedactionTests
{
    private static readonly byte[] Key = [1, 2, 3, 4, 5, 6, 7, 8];

    [Fact]
    public void Mask_EntityStyle_ReplacesSpans()
    {
        const string text = "Mail jane@example.com or call +44 20 7946 0958.";
        var findings = new ContentScanner().ScanOutput(text).Findings;
        Assert.Equal("Mail [EMAIL_ADDRESS] or call [PHONE_NUMBER].", Redaction.Mask(text, findings));
    }

    [Fact]
    public void Pseudonymize_SameValueAcrossCalls_SamePseudonym()
    {
        var scanner = new ContentScanner();
        const string a = "Contact Jane@Example.com today";
        const string b = "jane@example.com wrote back";
        var first = Redaction.Pseudonymize(a, scanner.ScanOutput(a).Findings, Key);
        var second = Redaction.Pseudonymize(b, scanner.ScanOutput(b).Findings, Key);
        var pseudonym = first.Split(' ')[1];
        Assert.Matches("^<EMAIL_ADDRESS:[0-9a-f]{8}>$", pseudonym);
        Assert.StartsWith(pseudonym, second, StringComparison.Ordinal);
        Assert.NotEqual(first, Redaction.Pseudonymize(a, scanner.ScanOutput(a).Findings, [9, 9, 9]));
    }
}
