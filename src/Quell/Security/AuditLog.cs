using System.Threading.Channels;

namespace Quell.Security;

/// <summary>
/// Appends audit entries off the request path: requests drop an entry into a bounded queue and a background writer
/// stores them in batches, so ingest at tens of thousands of calls a second pays one queue write per request.
/// A full queue (the store stalled) makes the request wait rather than lose its entry.
/// </summary>
public sealed class AuditLog(IAuditStore store, ILogger<AuditLog> logger) : BackgroundService
{
    /// <summary>Entries waiting to be written. 10,000 covers minutes of ingest requests at benchmark rates.</summary>
    private readonly Channel<AuditEntry> _queue = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private long _written;
    private long _appended;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _appended);
        return _queue.Writer.WriteAsync(entry, cancellationToken);
    }

    /// <summary>Completes once everything appended so far is stored (tests and readers of the log).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _appended);
        while (true)
        {
            // Take the signal before reading the count, so a write between the two still wakes this wait.
            var progress = Volatile.Read(ref _progress);
            if (Interlocked.Read(ref _written) >= target)
            {
                return;
            }

            await progress.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(string? actor, DateTimeOffset? since, int limit, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return await store.QueryAsync(actor, since, limit, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuditEntry>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await WriteAvailableAsync(batch).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: store what is still queued.
            await WriteAvailableAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task WriteAvailableAsync(List<AuditEntry> batch)
    {
        batch.Clear();
        while (batch.Count < 1000 && _queue.Reader.TryRead(out var entry))
        {
            batch.Add(entry);
        }

        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await store.AppendAsync(batch.ToArray()).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The audit writer must outlive one failed write; the failure is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.WriteFailed(logger, batch.Count, ex);
        }

        Interlocked.Add(ref _written, batch.Count);
        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

}

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Error, Message = "could not store {Count} audit entries")]
    public static partial void WriteFailed(ILogger logger, int count, Exception exception);
}
