using Quell.Configuration;
using Quell.Mitigations;
using Quell.Storage;

namespace Quell.Server;

/// <summary>
/// Loads the control plane at start-up, then passes newly fired alerts through the opt-in auto-mitigation
/// rules; each alert gets at most one proposal.
/// </summary>
internal sealed class AutoMitigationService(MitigationControlPlane plane, IAlertStore alerts, PlaybookConfig config, TimeProvider time, ILogger<AutoMitigationService> log) : BackgroundService
{
    private readonly MitigationPolicy _policy = new(config.AutoMitigation);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    // Passes never overlap, so an alert is looked at and proposed for once.
    private readonly SemaphoreSlim _pass = new(1, 1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await plane.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_policy.Rules.Any(r => r.Enabled))
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, config.AutoMitigationIntervalSeconds)), time);
        var since = time.GetUtcNow().AddHours(-1);
        try
        {
            do
            {
                try
                {
                    since = await PassAsync(since, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "auto-mitigation pass failed; retrying on the next tick");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One pass over alerts fired since <paramref name="since"/>; returns where the next pass starts.</summary>
    internal async Task<DateTimeOffset> PassAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await PassCoreAsync(since, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pass.Release();
        }
    }

    public override void Dispose()
    {
        _pass.Dispose();
        base.Dispose();
    }

    private async Task<DateTimeOffset> PassCoreAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var fired = await alerts.QueryAsync(new AlertQuery("firing", From: since), cancellationToken).ConfigureAwait(false);
        var next = since;
        foreach (var alert in fired.OrderBy(a => a.FiredAt))
        {
            next = alert.FiredAt > next ? alert.FiredAt : next;
            if (!_seen.Add(alert.Id) || plane.HasOpenForAlert(alert.Id) || _policy.Propose(alert) is not { } request)
            {
                continue;
            }

            var result = await plane.CreateAsync(request, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                log.LogWarning("auto-mitigation for alert {AlertId} was invalid: {Errors}", alert.Id, string.Join("; ", (result.Errors ?? []).Select(e => e.Field + ": " + e.Message)));
            }
        }

        return next;
    }
}
