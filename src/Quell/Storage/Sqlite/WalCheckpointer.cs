using Microsoft.Data.Sqlite;

namespace Quell.Storage.Sqlite;

/// <summary>
/// Runs WAL checkpoints on its own connection and thread, so the ingest writer's commits never pay for
/// copying pages back into the database file (SQLite's automatic checkpoint runs inside the committing call).
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public WalCheckpointer(SqliteDatabase database)
    {
        _database = database;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Asks for a checkpoint soon; calls while one is pending are merged.</summary>
    public void Request()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }

        _signal.Dispose();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var connection = _database.Open();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            using var cmd = connection.CreateCommand();

            // PASSIVE never blocks the writer; whatever it cannot copy now is copied on the next request.
            cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            try
            {
                cmd.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // A busy database is retried on the next request.
            }
        }
    }
}
