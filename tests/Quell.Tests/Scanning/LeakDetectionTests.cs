using Quell.Calls;
using Quell.Scanning;
using Quell.Scanning.Canaries;

namespace Quell.Tests.Scanning;

public sealed class LeakDetectionTests
{
    private static Action<Span<byte>> SeededRandom(int seed)
    {
        var random = new Random(seed);
        return bytes => random.NextBytes(bytes);
    }

    [Fact]
    public void ScanOutput_EmailEchoedFromInput_IsNotALeak()
    {
        var scanner = new ContentScanner();
        var result = scanner.ScanOutput("Sure, I will write to JANE.DOE@example.com.", input: "my email is jane.doe@example.com");
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void ScanOutput_PhoneEchoedWithOtherSeparators_IsNotALeak()
    {
        var result = new ContentScanner().ScanOutput("I have noted +1 (202) 555-0143 as your number.", input: "call me on 202-555-0143");
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void ScanOutput_NewEmailNotInInput_IsALeak()
    {
        var result = new ContentScanner().ScanOutput("The account owner is bob.smith@contoso.com.", input: "who owns account 17?");
        var finding = Assert.Single(result.Findings);
        Assert.Equal(Entities.Email, finding.Entity);
    }

    [Fact]
    public void ScanOutput_ValueInAllowedContext_IsNotALeak()
    {
        var result = new ContentScanner().ScanOutput("Your card ending 4111 1111 1111 1111 is on file.", allowedContext: ["profile card 4111111111111111"]);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Mint_SeededRandom_IsDeterministicAndCarriesPrefix()
    {
        var first = new CanaryRegistry(SeededRandom(1)).Mint("acme");
        var second = new CanaryRegistry(SeededRandom(1)).Mint("acme");
        Assert.Equal(first.Token, second.Token);
        Assert.StartsWith(CanaryRegistry.Prefix, first.Token, StringComparison.Ordinal);
        Assert.NotEqual(first.Token, new CanaryRegistry(SeededRandom(1)).Mint("globex").Token);
    }

    [Fact]
    public void ScanOutput_OtherTenantsCanary_IsCanaryFindingWithOwner()
    {
        var scanner = new ContentScanner(canaries: new CanaryRegistry(SeededRandom(2)));
        var canary = scanner.Canaries.Mint("tenant-a");
        var text = $"From the notes: {canary.Token} end.";
        var finding = Assert.Single(scanner.ScanOutput(text, tenant: "tenant-b").Findings);
        Assert.Equal((FindingKinds.Canary, Entities.Canary, "tenant-a", 1.0), (finding.Kind, finding.Entity, finding.Owner, finding.Score));
        Assert.Equal(canary.Token, text[finding.Start..finding.End]);
        Assert.Empty(scanner.ScanOutput(text, tenant: "tenant-a").Findings);
    }

    [Fact]
    public void ScanOutput_SystemPromptCanary_IsSystemPromptLeakEvenForOwner()
    {
        var scanner = new ContentScanner(canaries: new CanaryRegistry(SeededRandom(3)));
        var canary = scanner.Canaries.Mint("tenant-a", CanaryPlacement.SystemPrompt);
        var finding = Assert.Single(scanner.ScanOutput("leaked " + canary.Token, tenant: "tenant-a").Findings);
        Assert.Equal(FindingKinds.SystemPromptLeak, finding.Kind);
    }

    [Fact]
    public void FindAll_TenThousandCanaries_FindsEveryPlantedOneInOnePass()
    {
        var registry = new CanaryRegistry(SeededRandom(4));
        var canaries = Enumerable.Range(0, 10_000).Select(i => registry.Mint("tenant-" + (i % 50))).ToArray();
        var planted = new[] { canaries[7], canaries[4242], canaries[9999] };
        var text = $"{new string('x', 5000)} {planted[0].Token} QCNRY-nothing {planted[1].Token}{planted[2].Token} end";
        var hits = registry.FindAll(text);
        Assert.Equal(planted.Select(c => c.Token), hits.Select(h => text[h.Start..h.End]));
    }

    [Fact]
    public void FindAll_OverlappingPatterns_ReportsAll()
    {
        var automaton = new AhoCorasickAutomaton(["he", "she", "his", "hers"]);
        var matches = new List<(int Pattern, int Start)>();
        automaton.FindAll("ushers", matches);
        Assert.Equal([(1, 1), (0, 2), (3, 2)], matches.Order().ToArray().OrderBy(m => m.Start).ThenBy(m => m.Pattern == 3));
    }

    [Fact]
    public void ScanOutput_ForeignDocument_IsCrossTenant()
    {
        var retrieved = new[] { new RetrievedDocument("d1", "acme"), new RetrievedDocument("d2", "globex"), new RetrievedDocument("d3", "public"), new RetrievedDocument("d4", null) };
        var findings = new ContentScanner().ScanOutput("answer", tenant: "acme", retrieved: retrieved).Findings;
        var finding = Assert.Single(findings);
        Assert.Equal((FindingKinds.CrossTenant, Entities.ForeignDocument, "globex"), (finding.Kind, finding.Entity, finding.Owner));
    }

    [Fact]
    public void ScanOutput_OwnAndSharedDocuments_NoFinding()
    {
        var options = ContentScannerOptions.Default with { SharedTenants = new HashSet<string> { "kb-global" } };
        var retrieved = new[] { new RetrievedDocument("d1", "acme"), new RetrievedDocument("d2", "kb-global") };
        Assert.Empty(new ContentScanner(options).ScanOutput("answer", tenant: "acme", retrieved: retrieved).Findings);
    }
}
