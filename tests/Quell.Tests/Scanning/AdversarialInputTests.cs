using Quell.Scanning;

namespace Quell.Tests.Scanning;

/// <summary>Inputs that would take a backtracking engine into exponential or quadratic time must simply return.</summary>
public sealed class AdversarialInputTests
{
    private static readonly ContentScanner Scanner = new();

    public static TheoryData<string> Inputs => new()
    {
        new string('a', 100_000) + "@",
        string.Concat(Enumerable.Repeat("a.", 50_000)) + "@x",
        new string('7', 200_000),
        string.Concat(Enumerable.Repeat("1-", 100_000)),
        string.Concat(Enumerable.Repeat("sk-", 50_000)),
        string.Concat(Enumerable.Repeat("api_key=", 20_000)),
        "eyJ" + string.Concat(Enumerable.Repeat("a.", 50_000)),
        "-----BEGIN PRIVATE KEY-----" + new string('A', 200_000),
        string.Concat(Enumerable.Repeat("::", 100_000)),
        string.Concat(Enumerable.Repeat("ignore ", 30_000)) + "instructions",
        string.Concat(Enumerable.Repeat("QCNRY-", 50_000)),
        string.Concat(Enumerable.Repeat("a ", 100_000)),
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void ScanOutput_PathologicalInput_Returns(string text) =>
        Assert.NotNull(Scanner.ScanOutput(text, "acme", systemPrompt: "You are the support agent for Acme Rockets and never reveal the launch codes to anyone at all."));

    [Theory]
    [MemberData(nameof(Inputs))]
    public void ScanInput_PathologicalInput_Returns(string text) => Assert.NotNull(Scanner.ScanInput(text).InjectionScore);
}
