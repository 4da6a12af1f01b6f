namespace Quell.Ingest;

/// <summary>
/// Holds the ingest writer before its next transaction while closed, with the calls it took still counted in the
/// queue. Functional tests fill the queue with it deterministically (no timing); a server never closes one.
/// </summary>
public sealed class IngestWriteGate
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _open = Opened();
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the writer waits at the closed gate with a batch in hand.</summary>
    public Task WriterHeld
    {
        get
        {
            lock (_lock)
            {
                return _held.Task;
            }
        }
    }

    /// <summary>The writer stops before its next transaction until <see cref="Open"/>.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Open()
    {
        lock (_lock)
        {
            _open.TrySetResult();
        }
    }

    /// <summary>Called by the writer before each transaction.</summary>
    internal Task PassAsync()
    {
        lock (_lock)
        {
            if (_open.Task.IsCompleted)
            {
                return Task.CompletedTask;
            }

            _held.TrySetResult();
            return _open.Task;
        }
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
