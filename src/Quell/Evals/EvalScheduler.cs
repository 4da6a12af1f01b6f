using Quell.Configuration;
using Quell.Evals;

namespace Quell.Server.Evals;

/// <summary>Ongoing eval runs: every configured suite runs against its target once per interval of the configured clock.</summary>
public sealed class EvalScheduler(EvalService evals, QuellConfig config, TimeProvider time, ILogger<EvalScheduler>? log = null) : BackgroundService
{
    /// <summary>Runs every schedule whose interval has passed since its suite's last run; returns the runs made.</summary>
    public async Task<IReadOnlyList<EvalRun>> RunDueAsync(CancellationToken ct = default)
    {
        var runs = new List<EvalRun>();
        var now = time.GetUtcNow();
        foreach (var schedule in config.Evals.Schedules)
        {
            var suite = await evals.Store.GetSuiteAsync(schedule.Suite, ct).ConfigureAwait(false);
            var target = evals.Target(schedule.Target);
            if (suite is null || target is null)
            {
                log?.LogWarning("eval schedule skipped: suite {Suite} or target {Target} is unknown", schedule.Suite, schedule.Target);
                continue;
            }

            var recent = await evals.Store.RunsAsync(suite.Id, 1, ct).ConfigureAwait(false);
            var last = recent.Count > 0 ? recent[0] : null;
            if (last is not null && last.FinishedAt + schedule.Interval > now)
            {
                continue;
            }

            var cases = await evals.Store.CasesAsync(suite.Id, ct).ConfigureAwait(false);
            if (cases.Count > 0)
            {
                runs.Add(await evals.RunAsync(suite, cases, target, null, ct).ConfigureAwait(false));
            }
        }

        return runs;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (config.Evals.Schedules.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromDays(Math.Min(config.Evals.SchedulerTick.TotalDays, 30)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RunDueAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log?.LogWarning(ex, "scheduled eval run failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
