using Quell.Notifications;

namespace Quell.Incidents;

/// <summary>Runs the incident clock (group waits, escalation steps) and the outbox dispatcher while the server is up.</summary>
public sealed class IncidentWorker(IncidentService incidents, NotificationDispatcher dispatcher, TimeProvider time, TimeSpan tickInterval, ILogger<IncidentWorker>? logger = null) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(TickLoopAsync(stoppingToken), dispatcher.RunAsync(TimeSpan.FromSeconds(1), stoppingToken));

    private async Task TickLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await incidents.TickAsync(ct).ConfigureAwait(false);
                await Task.Delay(tickInterval, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger?.LogError(ex, "incident tick failed; retrying");
                await Task.Delay(tickInterval, time, ct).ConfigureAwait(false);
            }
        }
    }
}
