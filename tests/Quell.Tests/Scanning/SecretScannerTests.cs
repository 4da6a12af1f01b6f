using Quell.Scanning;
using Quell.Scanning.Secrets;

namespace Quell.Tests.Scanning;

public sealed class SecretScannerTests
{
    private static List<ScanFinding> Scan(string text)
    {
        var findings = new List<ScanFinding>();
        new SecretScanner().Scan(text, findings);
        return findings;
    }

    public static TheoryData<string, string> Secrets => new()
    {
        { "key id AKIAZ3MGN7Q4VHJ2XW5P in the log", Entities.AwsAccessKey },
        { "aws_secret_access_key = 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", Entities.AwsSecretKey },
        { "OPENAI_API_KEY=sk-proj-4fGh7Jk9Lm2Np5Qr8St1Uv3Wx6Yz0Ab4Cd7Ef9Gh2Ij5Kl", Entities.OpenAiKey },
        { "use sk-ant-api03-Xy7Kp2Lm9Qr4St8Uv1Wx5Yz3Ab6Cd0Ef2Gh4Ij7Kl9Mn1Op3Qr5St8Uv", Entities.AnthropicKey },
        { "token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5 leaked", Entities.GitHubToken },
        { "SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", Entities.SlackToken },
        { "post to https://hooks.slack.com/services/T0ABC1234/B0DEF5678/aBcDeFgHiJkLmNoPqRsTuVwX", Entities.SlackWebhook },
        { "maps key AIzaSyD3kF9hJ2lM5nP8qR1sT4vW7xZ0bC6dE9g here", Entities.GoogleApiKey },
        { "stripe sk_live_51HxYzAbCdEfGhIjKlMnOpQr here", Entities.StripeKey },
        { "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", Entities.Jwt },
        { "config: { \"client_secret\": \"q8F2kL9mZ4xV7bN1cR6tY3wP0sD5gH2j\" }", Entities.GenericSecret },
    };

    [Theory]
    [MemberData(nameof(Secrets))]
    public void Scan_KnownSecretFormats_FindsEntity(string text, string entity)
    {
        var finding = Assert.Single(Scan(text));
        Assert.Equal(entity, finding.Entity);
        Assert.Equal(FindingKinds.Secret, finding.Kind);
        Assert.DoesNotContain(text[finding.Start..finding.End], finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_PrivateKeyBlock_FindsWholeBlock()
    {
        var body = string.Concat(Enumerable.Repeat("MIIEowIBAAKCAQEA1x2y3z4AbCdEfGh\n", 4));
        var text = $"here:\n-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\nthanks";
        var finding = Assert.Single(Scan(text));
        Assert.Equal(Entities.PrivateKey, finding.Entity);
        Assert.EndsWith("-----END RSA PRIVATE KEY-----", text[finding.Start..finding.End], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Set api_key = \"your_api_key_here\" in the config.")]
    [InlineData("password = \"hunter2\"")]
    [InlineData("The secret to good bread is patience: time matters more than yeast.")]
    [InlineData("token: ${GITHUB_TOKEN}")]
    [InlineData("AKIAIOSFODNN7EXAMPLE is the documented example key")]
    [InlineData("The task-oriented desk-sharing plan")]
    [InlineData("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9 is only a header")]
    public void Scan_PlaceholdersAndProse_FindsNothing(string text) => Assert.Empty(Scan(text));
}
