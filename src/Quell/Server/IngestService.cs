using Quell.Calls;
using Quell.Ingest;
using Quell.Storage;

namespace Quell.Server;

/// <summary>Shared tail of every ingest path: price and apply content policy, queue, wait until durable.</summary>
public sealed class IngestService(CallPreparer preparer, Scanning.CallScanner scanner, IngestQueue queue, IngestMetrics metrics)
{
    /// <summary>What happened to a decoded batch.</summary>
    public enum Outcome
    {
        Durable,
        QueueFull,
        Unavailable,
    }

    public async Task<(Outcome Outcome, AppendResult Result, int Unpriced)> SubmitAsync(string source, IReadOnlyList<CallRecord> calls)
    {
        var prepared = new CallRecord[calls.Count];
        var unpriced = 0;
        for (var i = 0; i < calls.Count; i++)
        {
            // Scan before the content policy, which may hash or drop the text.
            prepared[i] = preparer.Prepare(scanner.Scan(calls[i]));
            if (prepared[i].CostSource == CostSource.Unknown && prepared[i].Operation is not "execute_tool" and not "invoke_agent")
            {
                unpriced++;
            }
        }

        if (unpriced > 0)
        {
            metrics.Unpriced(unpriced);
        }

        var pending = queue.TryEnqueue(prepared);
        if (pending is null)
        {
            metrics.Rejected(source, queue.IsFaulted ? "unavailable" : "queue_full", calls.Count);
            return (queue.IsFaulted ? Outcome.Unavailable : Outcome.QueueFull, default, unpriced);
        }

        try
        {
            var result = await pending.ConfigureAwait(false);
            metrics.Accepted(source, result.Inserted);
            return (Outcome.Durable, result, unpriced);
        }
        catch (Exception)
        {
            metrics.Rejected(source, "write_failed", calls.Count);
            return (Outcome.Unavailable, default, unpriced);
        }
    }
}
