using Dapper;
using Quell.Detection;

namespace Quell.Storage.Postgres;

/// <summary>Eval results and feedback in PostgreSQL, each an append-only log with its own sequence.</summary>
public sealed class PostgresQualityLog(PostgresDatabase database) : IQualityLog
{
    private const string EvalColumns = "seq, ts, suite, case_id, passed, score, feature, model, model_version, prompt_version";

    public async Task AppendEvalsAsync(IReadOnlyList<EvalResult> results, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO eval_results(ts, suite, case_id, passed, score, feature, model, model_version, prompt_version) VALUES (@ts, @Suite, @CaseId, @Passed, @Score, @Feature, @Model, @ModelVersion, @PromptVersion)",
            results.Select(r => new { ts = r.Timestamp.ToUnixTimeMilliseconds(), r.Suite, r.CaseId, r.Passed, r.Score, r.Feature, r.Model, r.ModelVersion, r.PromptVersion }),
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task AppendFeedbackAsync(IReadOnlyList<FeedbackRecord> feedback, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // The rated call knows the feature, model and versions; the client only has to send the call id.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO feedback(ts, call_id, thumbs_up, score, comment, feature, model, model_version, prompt_version, tenant)
            SELECT @ts, @CallId, @ThumbsUp, @Score, @Comment,
                   COALESCE(@Feature, c.feature), COALESCE(@Model, c.model), COALESCE(@ModelVersion, c.model_version),
                   COALESCE(@PromptVersion, c.prompt_version), COALESCE(@Tenant, c.tenant)
            FROM (SELECT 1) one LEFT JOIN calls c ON c.id = @CallId
            """,
            feedback.Select(f => new { ts = f.Timestamp.ToUnixTimeMilliseconds(), f.CallId, f.ThumbsUp, f.Score, f.Comment, f.Feature, f.Model, f.ModelVersion, f.PromptVersion, f.Tenant }),
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<(long Sequence, EvalResult Result)>> ReadEvalsAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<EvalRow>(new CommandDefinition(
            $"SELECT {EvalColumns} FROM eval_results WHERE seq > @afterSequence ORDER BY seq LIMIT @limit",
            new { afterSequence, limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => (r.seq, r.ToResult())).ToList();
    }

    public async Task<IReadOnlyList<(long Sequence, FeedbackRecord Feedback)>> ReadFeedbackAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<FeedbackRow>(new CommandDefinition(
            "SELECT seq, ts, call_id, thumbs_up, score, comment, feature, model, model_version, prompt_version, tenant FROM feedback WHERE seq > @afterSequence ORDER BY seq LIMIT @limit",
            new { afterSequence, limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => (r.seq, new FeedbackRecord
        {
            CallId = r.call_id,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(r.ts),
            ThumbsUp = r.thumbs_up,
            Score = r.score,
            Comment = r.comment,
            Feature = r.feature,
            Model = r.model,
            ModelVersion = r.model_version,
            PromptVersion = r.prompt_version,
            Tenant = r.tenant,
        })).ToList();
    }

    public async Task<IReadOnlyList<EvalResult>> QueryEvalsAsync(DateTimeOffset from, DateTimeOffset to, string? feature = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<EvalRow>(new CommandDefinition(
            $"SELECT {EvalColumns} FROM eval_results WHERE ts >= @from AND ts < @to AND (@feature::text IS NULL OR feature = @feature) ORDER BY seq LIMIT 100000",
            new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), feature },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToResult()).ToList();
    }

    private sealed class EvalRow
    {
        public long seq { get; set; }
        public long ts { get; set; }
        public string suite { get; set; } = string.Empty;
        public string case_id { get; set; } = string.Empty;
        public bool passed { get; set; }
        public double? score { get; set; }
        public string? feature { get; set; }
        public string? model { get; set; }
        public string? model_version { get; set; }
        public string? prompt_version { get; set; }

        public EvalResult ToResult() => new()
        {
            Suite = suite,
            CaseId = case_id,
            Passed = passed,
            Score = score,
            Feature = feature,
            Model = model,
            ModelVersion = model_version,
            PromptVersion = prompt_version,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ts),
        };
    }

    private sealed class FeedbackRow
    {
        public long seq { get; set; }
        public long ts { get; set; }
        public string call_id { get; set; } = string.Empty;
        public bool? thumbs_up { get; set; }
        public double? score { get; set; }
        public string? comment { get; set; }
        public string? feature { get; set; }
        public string? model { get; set; }
        public string? model_version { get; set; }
        public string? prompt_version { get; set; }
        public string? tenant { get; set; }
    }
}
