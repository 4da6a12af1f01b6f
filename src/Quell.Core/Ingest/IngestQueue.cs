using System.Diagnostics;
using System.Threading.Channels;
using Quell.Calls;
using Quell.Configuration;
using Quell.Storage;

namespace Quell.Ingest;

/// <summary>
/// Bounded ingest queue with group commit: many requests' calls go into one transaction, and each request is
/// acknowledged only after the transaction that holds its calls has committed. When the queue holds
/// <see cref="IngestQueueOptions.Capacity"/> calls, new batches are refused at once instead of growing memory.
/// </summary>
public sealed class IngestQueue : IAsyncDisposable
{
    private readonly Channel<PendingBatch> _channel = Channel.CreateUnbounded<PendingBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ICallLog _log;
    private readonly IngestQueueOptions _options;
    private readonly IngestMetrics _metrics;
    private readonly Task _writer;
    private readonly IngestWriteGate? _gate;
    private long _queued;
    private volatile bool _faulted;

    public IngestQueue(ICallLog log, IngestQueueOptions options, IngestMetrics metrics, IngestWriteGate? gate = null)
    {
        _gate = gate;
        _log = log;
        _options = options;
        _metrics = metrics;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Raised after each commit with the log's last sequence, so consumers can read on.</summary>
    public event Action<long>? Committed;

    public long QueuedCalls => Interlocked.Read(ref _queued);

    /// <summary>Queues a batch; the task completes once it is durable. Returns null when the queue is full.</summary>
    public Task<AppendResult>? TryEnqueue(IReadOnlyList<CallRecord> calls)
    {
        if (_faulted)
        {
            return null;
        }

        if (calls.Count == 0)
        {
            return Task.FromResult(new AppendResult(0, 0, 0));
        }

        var after = Interlocked.Add(ref _queued, calls.Count);
        if (after > _options.Capacity && after != calls.Count)
        {
            Interlocked.Add(ref _queued, -calls.Count);
            return null;
        }

        var pending = new PendingBatch(calls);
        if (!_channel.Writer.TryWrite(pending))
        {
            Interlocked.Add(ref _queued, -calls.Count);
            return null;
        }

        _metrics.SetQueueDepth(Interlocked.Read(ref _queued));
        return pending.Completion.Task;
    }

    /// <summary>True when the writer has stopped (disk full, database broken): clients should get 503.</summary>
    public bool IsFaulted => _faulted;

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<PendingBatch>();
        var calls = new List<CallRecord>();
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            calls.Clear();
            while (calls.Count < _options.MaxBatch && reader.TryRead(out var batch))
            {
                group.Add(batch);
                calls.AddRange(batch.Calls);
            }

            if (_gate is not null)
            {
                await _gate.PassAsync().ConfigureAwait(false);
            }

            var started = Stopwatch.GetTimestamp();
            AppendResult result = default;
            Exception? failure = null;
            try
            {
                result = await _log.AppendAsync(calls).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            // Free the queue's room before answering, so a caller that retries at once finds it free.
            Interlocked.Add(ref _queued, -calls.Count);
            _metrics.SetQueueDepth(Interlocked.Read(ref _queued));
            if (failure is null)
            {
                _metrics.BatchWritten(calls.Count, result.Inserted, result.Duplicates, Stopwatch.GetElapsedTime(started));
                if (result.Inserted > 0)
                {
                    _metrics.Stored(result.LastSequence, calls.Max(c => c.Timestamp));
                }

                CompleteAll(group, result);
                Committed?.Invoke(result.LastSequence);
            }
            else
            {
                // A failed transaction wrote nothing: every caller in it is told so and may retry.
                _metrics.WriteFailed();
                foreach (var batch in group)
                {
                    batch.Completion.TrySetException(failure);
                }

                if (IsFatal(failure))
                {
                    _faulted = true;
                }
            }

            // Drop the references to the written calls (and their text) now, not when the next batch arrives: after a
            // burst the writer would otherwise hold the last transaction's calls for as long as the server is idle.
            group.Clear();
            calls.Clear();
            if (calls.Capacity > _options.MaxBatch * 2)
            {
                calls.Capacity = _options.MaxBatch;
            }
        }
    }

    private static void CompleteAll(List<PendingBatch> group, AppendResult total)
    {
        var offset = 0;
        foreach (var batch in group)
        {
            var inserted = 0;
            for (var i = 0; i < batch.Calls.Count; i++)
            {
                if (total.IsNew is null || total.IsNew[offset + i])
                {
                    inserted++;
                }
            }

            offset += batch.Calls.Count;
            batch.Completion.TrySetResult(new AppendResult(inserted, batch.Calls.Count - inserted, total.LastSequence));
        }
    }

    private static bool IsFatal(Exception ex) => ex is ObjectDisposedException;

    private sealed class PendingBatch(IReadOnlyList<CallRecord> calls)
    {
        public IReadOnlyList<CallRecord> Calls { get; } = calls;

        public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
