using Quell.Incidents;
using Quell.Notifications;
using Quell.Server.Notifications;

namespace Quell.Server.Incidents;

/// <summary>Runs the incident clock (group waits, escalation steps) and the outbox dispatcher while the server is up.</summary>
public sealed class IncidentWorker(IncidentService incidents, NotificationDispatcher dispatcher, TimeProvider time, TimeSpan tickInterval, ILogger<IncidentWorker>? logger = null) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(TickLoopAsync(stoppingToken), dispatcher.RunAsync(TimeSpan.FromSeconds(1), stoppingToken));

    private async Task TickLoopAsync(CancellationToken ct)
    {
        // One timer for the life of the host: a tick that runs long never pushes the next one back, and a clock that
        // jumps (a fake one in tests, a suspended VM) wakes the loop at once instead of after a fresh interval.
        using var timer = new PeriodicTimer(tickInterval, time);
        try
        {
            do
            {
                try
                {
                    await incidents.TickAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    logger?.LogError(ex, "incident tick failed; retrying on the next tick");
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Host stopping.
        }
    }
}
