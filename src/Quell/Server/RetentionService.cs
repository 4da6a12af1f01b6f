using Quell.Configuration;
using Quell.Storage;

namespace Quell.Server;

/// <summary>Deletes calls older than their feature's retention, once an hour of the configured clock.</summary>
public sealed class RetentionService(ICallLog log, QuellConfig config, TimeProvider time) : BackgroundService
{
    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var purged = 0;
        foreach (var (feature, f) in config.Features)
        {
            if (f.RetentionDays > 0)
            {
                purged += await log.PurgeAsync(feature, [], now.AddDays(-f.RetentionDays), cancellationToken).ConfigureAwait(false);
            }
        }

        if (config.DefaultFeature.RetentionDays > 0)
        {
            purged += await log.PurgeAsync(null, config.Features.Keys.ToArray(), now.AddDays(-config.DefaultFeature.RetentionDays), cancellationToken).ConfigureAwait(false);
        }

        return purged;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        try
        {
            do
            {
                await PurgeOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
