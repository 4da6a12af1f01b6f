using Quell.Detection;

namespace Quell.Storage;

/// <summary>Append-only logs of eval results and user feedback, read by the detectors by cursor.</summary>
public interface IQualityLog
{
    Task AppendEvalsAsync(IReadOnlyList<EvalResult> results, CancellationToken cancellationToken = default);

    /// <summary>Stores feedback, filling feature, model and versions from the rated call when it is known.</summary>
    Task AppendFeedbackAsync(IReadOnlyList<FeedbackRecord> feedback, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<(long Sequence, EvalResult Result)>> ReadEvalsAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<(long Sequence, FeedbackRecord Feedback)>> ReadFeedbackAfterAsync(long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>Eval results in [from, to), optionally of one feature; the default scans the log by sequence.</summary>
    async Task<IReadOnlyList<EvalResult>> QueryEvalsAsync(DateTimeOffset from, DateTimeOffset to, string? feature = null, CancellationToken cancellationToken = default)
    {
        var result = new List<EvalResult>();
        long after = 0;
        while (true)
        {
            var page = await ReadEvalsAfterAsync(after, 10_000, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return result;
            }

            result.AddRange(page.Select(p => p.Result).Where(r => r.Timestamp >= from && r.Timestamp < to && (feature is null || r.Feature == feature)));
            after = page[^1].Sequence;
        }
    }
}

/// <summary>Alerts as the detectors raised and resolved them.</summary>
public interface IAlertStore
{
    Task UpsertAsync(Alerts.Alert alert, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Alerts.Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default);

    Task<Alerts.Alert?> GetAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>Filter for alerts; null fields match all.</summary>
public sealed record AlertQuery(string? State = null, string? Category = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 500);
