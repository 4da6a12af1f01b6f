namespace Quell.Configuration;

/// <summary>quell.yaml `evals:` — named targets, the LLM judge, and suites run on a schedule (ongoing eval runs).</summary>
public sealed record EvalsConfig
{
    /// <summary>Where evals send their inputs, by name; `quell eval run --target` also takes a URL directly.</summary>
    public IReadOnlyDictionary<string, EvalTargetConfig> Targets { get; init; } = new Dictionary<string, EvalTargetConfig>();

    /// <summary>The OpenAI-compatible endpoint that grades llm_judge cases; null leaves those cases failing with a reason.</summary>
    public EvalTargetConfig? Judge { get; init; }

    /// <summary>Suites run again and again; their results feed the quality detector like posted eval results.</summary>
    public IReadOnlyList<EvalScheduleConfig> Schedules { get; init; } = [];

    /// <summary>How often the scheduler looks for due runs. Default 1 min.</summary>
    public TimeSpan SchedulerTick { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Most time one case may take against its target. Default 30 s: a stuck target fails its case instead of holding the run.</summary>
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most time one eval run or verification may take in total; cases not run by then fail with that reason. Default 5 min.</summary>
    public TimeSpan RunDeadline { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Name of the suite regression cases from incidents join. Default "regressions".</summary>
    public string RegressionSuite { get; init; } = "regressions";
}

/// <summary>An OpenAI-compatible chat endpoint (kind openai) or the application's own HTTP endpoint (kind http).</summary>
public sealed record EvalTargetConfig
{
    public string Url { get; init; } = string.Empty;

    /// <summary>openai (POST /v1/chat/completions) or http (POST the request template). Default openai.</summary>
    public string Kind { get; init; } = "openai";

    public string? Model { get; init; }

    /// <summary>Environment variable holding a bearer token, never the token itself.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>For kind http: the JSON body with an {{input}} placeholder. Default {"input": "{{input}}"}.</summary>
    public string? RequestTemplate { get; init; }

    /// <summary>For kind http: dotted path of the answer in the response JSON, e.g. "answer" or "choices.0.message.content". Default "output".</summary>
    public string? ResponsePath { get; init; }

    /// <summary>Recorded with each result so the quality detector can attribute a drop to a version.</summary>
    public string? ModelVersion { get; init; }

    public string? PromptVersion { get; init; }
}

/// <summary>One suite run every <see cref="Interval"/> against a named target.</summary>
public sealed record EvalScheduleConfig
{
    public string Suite { get; init; } = string.Empty;

    public string Target { get; init; } = string.Empty;

    /// <summary>Default 1 h.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);
}
