namespace Quell.Configuration;

/// <summary>The gateway section of quell.yaml: where model calls go and how callers are identified.</summary>
public sealed record GatewayConfig
{
    /// <summary>Model servers the gateway forwards to; the first is the default.</summary>
    public IReadOnlyList<UpstreamConfig> Upstreams { get; init; } = [];

    /// <summary>Request headers that say who a call serves; a key pinned to a tenant wins over the header.</summary>
    public GatewayHeaders Headers { get; init; } = new();

    /// <summary>Largest request body the gateway reads, in bytes. Default 8 MiB.</summary>
    public int MaxRequestBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Largest response the gateway keeps in memory to read usage and content from; the rest streams past. Default 1 MiB.</summary>
    public int MaxObservedResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>Ask OpenAI-style upstreams to append usage to streamed answers (stream_options.include_usage). Default on.</summary>
    public bool RequestStreamUsage { get; init; } = true;

    /// <summary>Report prompt and answer text with the call records. Default on; the feature's content policy still applies in Quell.</summary>
    public bool ReportContent { get; init; } = true;

    /// <summary>How long a verified client key is trusted before Quell is asked again. Default 30 s.</summary>
    public TimeSpan KeyCacheTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for an upstream's response headers. Default 10 minutes (long generations).</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>What a budget cap reserves per call when the price of the model is unknown, USD. Default $0.01.</summary>
    public double DefaultCallEstimateUsd { get; init; } = 0.01;

    public IEnumerable<string> Errors()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Upstreams.Count; i++)
        {
            var u = Upstreams[i];
            var at = $"gateway.upstreams[{i}]";
            if (string.IsNullOrWhiteSpace(u.Name))
            {
                yield return $"{at}.name is required";
            }
            else if (!names.Add(u.Name))
            {
                yield return $"{at}.name '{u.Name}' is used twice";
            }

            if (!Uri.TryCreate(u.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                yield return $"{at}.url must be an absolute http(s) URL";
            }

            if (u.Kind == UpstreamKind.Azure && string.IsNullOrWhiteSpace(u.ApiVersion))
            {
                yield return $"{at}.api_version is required for kind azure";
            }
        }

        if (MaxRequestBytes is < 1024 or > 256 * 1024 * 1024)
        {
            yield return "gateway.max_request_bytes must be between 1 KiB and 256 MiB";
        }

        if (MaxObservedResponseBytes is < 1024 or > 64 * 1024 * 1024)
        {
            yield return "gateway.max_observed_response_bytes must be between 1 KiB and 64 MiB";
        }

        if (KeyCacheTtl < TimeSpan.Zero || KeyCacheTtl > TimeSpan.FromHours(1))
        {
            yield return "gateway.key_cache_ttl must be between 0 and 1h";
        }

        if (UpstreamTimeout <= TimeSpan.Zero)
        {
            yield return "gateway.upstream_timeout must be positive";
        }

        if (!double.IsFinite(DefaultCallEstimateUsd) || DefaultCallEstimateUsd < 0)
        {
            yield return "gateway.default_call_estimate_usd must be a finite number >= 0";
        }
    }
}

/// <summary>The wire protocol an upstream speaks.</summary>
public enum UpstreamKind
{
    /// <summary>api.openai.com or any server with the same API (vLLM, Ollama, LM Studio, a mock).</summary>
    Openai,

    /// <summary>Azure OpenAI: deployments in the path, api-key header, api-version query.</summary>
    Azure,

    /// <summary>Anthropic's Messages API.</summary>
    Anthropic,
}

/// <summary>One model server the gateway may forward to; its key never leaves the gateway.</summary>
public sealed record UpstreamConfig
{
    public string Name { get; init; } = "";
    public UpstreamKind Kind { get; init; } = UpstreamKind.Openai;

    /// <summary>Base URL, e.g. https://api.openai.com (the request path /v1/... is appended).</summary>
    public string Url { get; init; } = "";

    /// <summary>Provider id recorded on calls (openai, anthropic, azure.ai.openai …); default from the kind.</summary>
    public string? Provider { get; init; }

    /// <summary>Environment variable holding the upstream key; preferred over <see cref="ApiKey"/> in files.</summary>
    public string? ApiKeyEnv { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>Azure only: the api-version query value.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>Models served here, exact names or prefixes ending in '*'; empty serves whatever no other upstream claims.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    public string ProviderId => Provider ?? Kind switch
    {
        UpstreamKind.Azure => "azure.ai.openai",
        UpstreamKind.Anthropic => "anthropic",
        _ => "openai",
    };

    public string? ResolveKey() =>
        ApiKeyEnv is { Length: > 0 } env ? Environment.GetEnvironmentVariable(env) ?? ApiKey : ApiKey;

    public bool Serves(string? model)
    {
        if (model is null)
        {
            return false;
        }

        foreach (var m in Models)
        {
            if (m.EndsWith('*') ? model.StartsWith(m[..^1], StringComparison.Ordinal) : string.Equals(m, model, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Header names a caller uses to say who a call serves.</summary>
public sealed record GatewayHeaders
{
    public string Tenant { get; init; } = "x-quell-tenant";
    public string User { get; init; } = "x-quell-user";
    public string Feature { get; init; } = "x-quell-feature";
    public string TraceId { get; init; } = "x-quell-trace-id";
    public string SessionId { get; init; } = "x-quell-session-id";
    public string PromptVersion { get; init; } = "x-quell-prompt-version";
}
