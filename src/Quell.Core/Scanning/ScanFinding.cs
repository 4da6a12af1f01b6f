namespace Quell.Scanning;

/// <summary>One thing a scanner found in a text: what it is, where it is (UTF-16 offsets) and how sure the scanner is.</summary>
/// <param name="Kind">One of <see cref="FindingKinds"/>.</param>
/// <param name="Entity">What was found, e.g. EMAIL_ADDRESS, AWS_ACCESS_KEY, CANARY.</param>
/// <param name="Start">Inclusive start offset in the scanned text.</param>
/// <param name="End">Exclusive end offset in the scanned text.</param>
/// <param name="Score">Confidence in 0..1.</param>
/// <param name="Evidence">A masked excerpt safe to show on a page; never the full secret.</param>
/// <param name="Owner">For canaries and foreign documents: the tenant that owns the leaked item.</param>
public sealed record ScanFinding(string Kind, string Entity, int Start, int End, double Score, string Evidence, string? Owner = null)
{
    public int Length => End - Start;
}

/// <summary>The finding kinds of the scan contract.</summary>
public static class FindingKinds
{
    public const string Pii = "pii";
    public const string Secret = "secret";
    public const string Canary = "canary";
    public const string CrossTenant = "cross_tenant";
    public const string SystemPromptLeak = "system_prompt_leak";
    public const string Injection = "injection";
}

/// <summary>The entity names Quell reports.</summary>
public static class Entities
{
    public const string Email = "EMAIL_ADDRESS";
    public const string Phone = "PHONE_NUMBER";
    public const string CreditCard = "CREDIT_CARD";
    public const string Iban = "IBAN_CODE";
    public const string UsSsn = "US_SSN";
    public const string IpAddress = "IP_ADDRESS";
    public const string Person = "PERSON";
    public const string StreetAddress = "STREET_ADDRESS";
    public const string AwsAccessKey = "AWS_ACCESS_KEY";
    public const string AwsSecretKey = "AWS_SECRET_KEY";
    public const string OpenAiKey = "OPENAI_API_KEY";
    public const string AnthropicKey = "ANTHROPIC_API_KEY";
    public const string GitHubToken = "GITHUB_TOKEN";
    public const string SlackToken = "SLACK_TOKEN";
    public const string SlackWebhook = "SLACK_WEBHOOK";
    public const string GoogleApiKey = "GOOGLE_API_KEY";
    public const string StripeKey = "STRIPE_KEY";
    public const string PrivateKey = "PRIVATE_KEY";
    public const string Jwt = "JWT";
    public const string GenericSecret = "GENERIC_SECRET";
    public const string Canary = "CANARY";
    public const string ForeignDocument = "FOREIGN_DOCUMENT";
    public const string SystemPrompt = "SYSTEM_PROMPT";
    public const string PromptInjection = "PROMPT_INJECTION";
}
