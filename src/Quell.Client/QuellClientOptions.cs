using Microsoft.Extensions.AI;

namespace Quell.Client;

/// <summary>How an application talks to Quell: where it is, who each call serves, what a call costs.</summary>
public sealed class QuellClientOptions
{
    /// <summary>Keys read from <see cref="ChatOptions.AdditionalProperties"/> when no callback gives a value.</summary>
    public const string TenantKey = "quell.tenant";
    public const string UserKey = "quell.user";
    public const string FeatureKey = "quell.feature";
    public const string TraceIdKey = "quell.trace_id";
    public const string PromptVersionKey = "quell.prompt_version";

    /// <summary>Set on the call's options when a rollback pins a prompt version: the application picks its template by it.</summary>
    public const string PinnedPromptVersionKey = "quell.pinned_prompt_version";

    /// <summary>Set on a fallback's canned response and on refusal responses: the mitigation id.</summary>
    public const string MitigationIdKey = "quell.mitigation_id";

    /// <summary>The Quell server, e.g. http://quell:4318. Required.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The API key (qk_…) sent as a bearer token; the key needs the ingest and read scopes.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Transport for tests or proxies; a plain handler when null.</summary>
    public HttpMessageHandler? Handler { get; set; }

    /// <summary>Feature used when nothing else names one.</summary>
    public string? Feature { get; set; }

    /// <summary>Provider name reported with calls (openai, anthropic, …).</summary>
    public string? Provider { get; set; }

    public Func<ChatOptions?, string?>? TenantSelector { get; set; }
    public Func<ChatOptions?, string?>? UserSelector { get; set; }
    public Func<ChatOptions?, string?>? FeatureSelector { get; set; }

    /// <summary>Trace id of the call; default: <c>quell.trace_id</c> property, then Activity.Current.</summary>
    public Func<ChatOptions?, string?>? TraceIdSelector { get; set; }

    /// <summary>Cost in USD of a finished call from its model and token counts; null: cost unknown (budget caps count 0).</summary>
    public Func<string?, long, long, double>? CostCalculator { get; set; }

    /// <summary>What a budget cap reserves before a call, settled to the real cost after. Default $0.01.</summary>
    public double EstimatedCostPerCallUsd { get; set; } = 0.01;

    /// <summary>Send prompt and answer text with the call records. Default true.</summary>
    public bool ReportContent { get; set; } = true;

    /// <summary>Report calls at all. Default true.</summary>
    public bool ReportCalls { get; set; } = true;

    /// <summary>Follow the control plane. Default true.</summary>
    public bool FollowMitigations { get; set; } = true;

    /// <summary>Most call records waiting to be sent; beyond it new ones are dropped and counted. Default 10,000.</summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>Most records per POST. Default 500.</summary>
    public int MaxBatch { get; set; } = 500;

    /// <summary>
    /// How long a batch that is not full waits for more records before it is sent (wall time, as OpenTelemetry's
    /// batch exporter's scheduled delay). Default zero: send as soon as records arrive. A busy sender (the gateway)
    /// sets a few tens of milliseconds so Quell commits a few large batches instead of many small ones.
    /// </summary>
    public TimeSpan BatchLinger { get; set; } = TimeSpan.Zero;

    /// <summary>How long the server may hold a long-poll. Default 30s.</summary>
    public TimeSpan LongPollWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest pause between retries when Quell is unreachable. Default 30s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Return a response carrying the refusal instead of throwing <see cref="QuellRefusedException"/>.</summary>
    public bool RefuseWithResponse { get; set; }

    /// <summary>Text of a refusal response when <see cref="RefuseWithResponse"/> is set.</summary>
    public string RefusalText { get; set; } = "This feature is temporarily unavailable.";

    public TimeProvider Time { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (Endpoint is null)
        {
            throw new ArgumentException("QuellClientOptions.Endpoint is required, e.g. http://quell:4318", nameof(Endpoint));
        }

        if (BufferCapacity < 1 || MaxBatch < 1)
        {
            throw new ArgumentException("QuellClientOptions.BufferCapacity and MaxBatch must be >= 1");
        }

        if (BatchLinger < TimeSpan.Zero || BatchLinger > TimeSpan.FromSeconds(10))
        {
            throw new ArgumentException("QuellClientOptions.BatchLinger must be between 0 and 10 seconds", nameof(BatchLinger));
        }

        if (LongPollWait <= TimeSpan.Zero)
        {
            throw new ArgumentException("QuellClientOptions.LongPollWait must be positive", nameof(LongPollWait));
        }
    }
}

/// <summary>Who and what one call is about, as the enforcer sees it.</summary>
internal readonly record struct CallContext(string? Feature, string? Tenant, string? User, string? TraceId, string? Provider, string? Model, string? Input)
{
    /// <summary>System-role messages and instructions of the request.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>The model that answered, when it differs from the one requested.</summary>
    public string? ResponseModel { get; init; }
}
