using Quell.Configuration;
using Quell.Incidents;
using Quell.Postmortems;
using Quell.Recurrence;
using Quell.Response;

namespace Quell.Server.Postmortems;

/// <summary>Loads closed incidents into the recurrence watch at start, then sends post-mortem reminders on the configured clock.</summary>
public sealed class PostmortemWorker(PostmortemService postmortems, IIncidentStore incidents, RecurrenceWatch recurrence, QuellConfig config, TimeProvider time, ILogger<PostmortemWorker>? log = null) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        recurrence.RememberClosed(await incidents.ListAsync(new IncidentQuery(State: IncidentState.Closed, Limit: 10_000), cancellationToken).ConfigureAwait(false));
        await postmortems.LoadMemoryAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // PeriodicTimer refuses periods beyond about 49 days.
        using var timer = new PeriodicTimer(TimeSpan.FromDays(Math.Min(config.Postmortems.CheckInterval.TotalDays, 30)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await postmortems.RemindAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log?.LogWarning(ex, "post-mortem reminders failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
