namespace Quell.Server;

/// <summary>
/// Gives memory back after a burst: once no request body has been in flight for a few seconds after many bytes
/// were held, idle pooled SQLite connections (and their page caches) are closed and one aggressive, compacting
/// collection returns the freed heap to the operating system, so resident memory goes back near its baseline
/// instead of staying at the burst's peak until the next pressure.
/// </summary>
public sealed class BurstMemoryTrimmer(BodyBudget budget, TimeProvider time) : BackgroundService
{
    /// <summary>Bytes held at once that make a burst worth trimming after: 32 MiB.</summary>
    public const long BurstBytes = 32L * 1024 * 1024;

    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var quietSince = (DateTimeOffset?)null;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (budget.Bodies > 0)
                {
                    quietSince = null;
                    continue;
                }

                quietSince ??= time.GetUtcNow();
                if (budget.PeakBytes >= BurstBytes && time.GetUtcNow() - quietSince >= Quiet)
                {
                    budget.ResetPeak();

                    // Idle pooled SQLite connections each keep a page cache of up to 64 MiB from the burst's queries.
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
