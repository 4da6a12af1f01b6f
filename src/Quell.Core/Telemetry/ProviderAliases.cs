namespace Quell.Telemetry;

/// <summary>
/// One table that turns every spelling of a provider (OTel's <c>gen_ai.provider.name</c> values, the deprecated
/// <c>gen_ai.system</c>, OpenLLMetry's "OpenAI", OpenInference's <c>llm.provider</c>, the Vercel AI SDK's
/// <c>openai.chat</c> / <c>openai.responses</c>) into one id, so one provider is one series.
/// </summary>
public static class ProviderAliases
{
    // Canonical ids are the OTel GenAI well-known provider names.
    private static readonly Dictionary<string, string> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["openai"] = "openai",
        ["open_ai"] = "openai",
        ["azure.ai.openai"] = "azure.ai.openai",
        ["azure_openai"] = "azure.ai.openai",
        ["azure-openai"] = "azure.ai.openai",
        ["azureopenai"] = "azure.ai.openai",
        ["az.ai.openai"] = "azure.ai.openai",
        ["azure"] = "azure.ai.openai",
        ["azure.ai.inference"] = "azure.ai.inference",
        ["az.ai.inference"] = "azure.ai.inference",
        ["anthropic"] = "anthropic",
        ["aws.bedrock"] = "aws.bedrock",
        ["aws_bedrock"] = "aws.bedrock",
        ["amazon-bedrock"] = "aws.bedrock",
        ["bedrock"] = "aws.bedrock",
        ["aws"] = "aws.bedrock",
        ["gcp.gemini"] = "gcp.gemini",
        ["gemini"] = "gcp.gemini",
        ["google"] = "gcp.gemini",
        ["google.generative-ai"] = "gcp.gemini",
        ["google_genai"] = "gcp.gemini",
        ["gcp.vertex_ai"] = "gcp.vertex_ai",
        ["vertex_ai"] = "gcp.vertex_ai",
        ["vertexai"] = "gcp.vertex_ai",
        ["google.vertex"] = "gcp.vertex_ai",
        ["gcp.gen_ai"] = "gcp.gen_ai",
        ["cohere"] = "cohere",
        ["mistral_ai"] = "mistral_ai",
        ["mistralai"] = "mistral_ai",
        ["mistral"] = "mistral_ai",
        ["groq"] = "groq",
        ["deepseek"] = "deepseek",
        ["perplexity"] = "perplexity",
        ["x_ai"] = "x_ai",
        ["xai"] = "x_ai",
        ["ibm.watsonx.ai"] = "ibm.watsonx.ai",
        ["watsonx"] = "ibm.watsonx.ai",
        ["ollama"] = "ollama",
        ["together"] = "together_ai",
        ["together_ai"] = "together_ai",
        ["togetherai"] = "together_ai",
        ["fireworks"] = "fireworks",
        ["openrouter"] = "openrouter",
    };

    /// <summary>
    /// The canonical id: an exact table entry, else the longest dotted prefix that is one ("openai.chat" →
    /// openai, "google.vertex.chat" → gcp.vertex_ai), else the name in lower case.
    /// </summary>
    public static string? Normalize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var s = name.Trim();
        for (var candidate = s; ; )
        {
            if (Table.TryGetValue(candidate, out var id))
            {
                return id;
            }

            var dot = candidate.LastIndexOf('.');
            if (dot <= 0)
            {
                break;
            }

            candidate = candidate[..dot];
        }

        return s.ToLowerInvariant();
    }
}
