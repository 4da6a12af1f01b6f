namespace Quell.Pricing;

/// <summary>List prices (USD per 1M tokens: input, output, cached input) of widely used models; override in quell.yaml.</summary>
public static class BuiltInPrices
{
    public static IReadOnlyDictionary<string, ModelPrice> All { get; } = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase)
    {
        // OpenAI
        ["gpt-4o"] = new(2.50, 10.00, 1.25),
        ["gpt-4o-mini"] = new(0.15, 0.60, 0.075),
        ["gpt-4.1"] = new(2.00, 8.00, 0.50),
        ["gpt-4.1-mini"] = new(0.40, 1.60, 0.10),
        ["gpt-4.1-nano"] = new(0.10, 0.40, 0.025),
        ["gpt-4-turbo"] = new(10.00, 30.00),
        ["gpt-4"] = new(30.00, 60.00),
        ["gpt-3.5-turbo"] = new(0.50, 1.50),
        ["gpt-5"] = new(1.25, 10.00, 0.125),
        ["gpt-5-mini"] = new(0.25, 2.00, 0.025),
        ["gpt-5-nano"] = new(0.05, 0.40, 0.005),
        ["o1"] = new(15.00, 60.00, 7.50),
        ["o1-mini"] = new(1.10, 4.40, 0.55),
        ["o3"] = new(2.00, 8.00, 0.50),
        ["o3-mini"] = new(1.10, 4.40, 0.55),
        ["o4-mini"] = new(1.10, 4.40, 0.275),
        ["text-embedding-3-small"] = new(0.02, 0),
        ["text-embedding-3-large"] = new(0.13, 0),
        ["text-embedding-ada-002"] = new(0.10, 0),

        // Anthropic (cached input = cache read)
        ["claude-3-5-sonnet"] = new(3.00, 15.00, 0.30),
        ["claude-3-5-haiku"] = new(0.80, 4.00, 0.08),
        ["claude-3-7-sonnet"] = new(3.00, 15.00, 0.30),
        ["claude-3-opus"] = new(15.00, 75.00, 1.50),
        ["claude-3-haiku"] = new(0.25, 1.25, 0.03),
        ["claude-sonnet-4"] = new(3.00, 15.00, 0.30),
        ["claude-sonnet-4-5"] = new(3.00, 15.00, 0.30),
        ["claude-opus-4"] = new(15.00, 75.00, 1.50),
        ["claude-opus-4-1"] = new(15.00, 75.00, 1.50),
        ["claude-haiku-4-5"] = new(1.00, 5.00, 0.10),

        // Google
        ["gemini-1.5-pro"] = new(1.25, 5.00, 0.3125),
        ["gemini-1.5-flash"] = new(0.075, 0.30, 0.01875),
        ["gemini-2.0-flash"] = new(0.10, 0.40, 0.025),
        ["gemini-2.5-pro"] = new(1.25, 10.00, 0.31),
        ["gemini-2.5-flash"] = new(0.30, 2.50, 0.075),
        ["text-embedding-004"] = new(0.025, 0),

        // Mistral, Cohere, Meta (hosted list prices)
        ["mistral-large"] = new(2.00, 6.00),
        ["mistral-small"] = new(0.20, 0.60),
        ["mistral-embed"] = new(0.10, 0),
        ["command-r"] = new(0.15, 0.60),
        ["command-r-plus"] = new(2.50, 10.00),
        ["embed-english-v3.0"] = new(0.10, 0),
        ["llama-3.1-8b-instruct"] = new(0.18, 0.18),
        ["llama-3.1-70b-instruct"] = new(0.88, 0.88),
        ["llama-3.3-70b-instruct"] = new(0.88, 0.88),
    };
}
