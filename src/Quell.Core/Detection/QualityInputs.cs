namespace Quell.Detection;

/// <summary>One eval case result from an ongoing eval run, as ingested by Quell.</summary>
public sealed record EvalResult
{
    public required string Suite { get; init; }
    public required string CaseId { get; init; }
    public required bool Passed { get; init; }
    public double? Score { get; init; }
    public string? Model { get; init; }
    public string? ModelVersion { get; init; }
    public string? PromptVersion { get; init; }
    public string? Feature { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>A user's verdict on a call's answer, with the call's feature and versions when Quell knows them.</summary>
public sealed record FeedbackRecord
{
    public required string CallId { get; init; }
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>True for thumbs up, false for thumbs down, null when the user gave a score instead.</summary>
    public bool? ThumbsUp { get; init; }

    /// <summary>Score in [0, 1] when the source rates on a scale.</summary>
    public double? Score { get; init; }
    public string? Comment { get; init; }
    public string? Feature { get; init; }
    public string? Model { get; init; }
    public string? ModelVersion { get; init; }
    public string? PromptVersion { get; init; }
    public string? Tenant { get; init; }

    /// <summary>Whether this feedback is negative; null when it carries neither thumbs nor score.</summary>
    public bool? IsNegative(double negativeScoreBelow) =>
        ThumbsUp is bool up ? !up : Score is double s ? s < negativeScoreBelow : null;
}
