using Quell.Alerts;
using Quell.Isolation;
using Quell.Server.Detection;

namespace Quell.Server.Isolation;

/// <summary>
/// Runs the isolation probes on schedule, keeps every result, and raises a data alert (resolved by the next clean
/// round) when a tenant's answer carries another tenant's canary or documents.
/// </summary>
public sealed class IsolationProbeService(IsolationProber prober, IsolationProbeConfig config, IIsolationProbeStore store, DetectionService detection, TimeProvider time, ILogger<IsolationProbeService> logger) : BackgroundService
{
    private readonly Dictionary<string, Alert> _open = new(StringComparer.Ordinal);
    private int _round;

    public async Task<IReadOnlyList<IsolationProbeResult>> RunOnceAsync(CancellationToken ct)
    {
        var results = await prober.RunRoundAsync(_round++, ct).ConfigureAwait(false);
        await store.AppendAsync(results, ct).ConfigureAwait(false);

        foreach (var r in results)
        {
            if (!r.Passed && !_open.ContainsKey(r.Tenant))
            {
                var alert = ToAlert(r);
                _open[r.Tenant] = alert;
                await detection.PublishExternalAsync(new AlertEvent(AlertEventKind.Fired, alert, r.At), ct).ConfigureAwait(false);
            }
            else if (r.Passed && r.Error is null && _open.Remove(r.Tenant, out var open))
            {
                var resolved = open with { State = AlertState.Resolved, ResolvedAt = r.At };
                await detection.PublishExternalAsync(new AlertEvent(AlertEventKind.Resolved, resolved, r.At), ct).ConfigureAwait(false);
            }
        }

        return results;
    }

    public Task<IReadOnlyList<IsolationProbeResult>> ResultsAsync(int limit, CancellationToken ct) => store.LatestAsync(limit, ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!prober.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(config.Interval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "isolation probe round failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private Alert ToAlert(IsolationProbeResult r)
    {
        var labels = new Dictionary<string, string>
        {
            ["feature"] = config.Feature ?? "(none)",
            ["tenant"] = r.Tenant,
            ["tenants"] = string.Join(",", r.LeakedFrom.Prepend(r.Tenant)),
            ["owners"] = string.Join(",", r.LeakedFrom),
            ["probe"] = "tenant_isolation",
        };
        var fingerprint = AlertFingerprint.Compute(AlertCategory.Data, "tenant_isolation_probe", new Dictionary<string, string> { ["tenant"] = r.Tenant, ["feature"] = labels["feature"] });
        var sentence = $"tenant-isolation probe as {r.Tenant} received data of {string.Join(", ", r.LeakedFrom)} ({r.Evidence})";
        return new Alert
        {
            Id = $"al-{fingerprint}-{r.At.ToUnixTimeSeconds()}",
            Category = AlertCategory.Data,
            Signal = "tenant_isolation_probe",
            Labels = labels,
            Observed = r.LeakedFrom.Count,
            Baseline = 0,
            OnsetEstimate = r.At,
            FiredAt = r.At,
            Fingerprint = fingerprint,
            Attribution = new Attribution(sentence, [new AttributionFactor("tenant", r.Tenant, 1, 0)]),
            SeverityHint = AlertSeverityHint.High,
            Summary = sentence,
        };
    }
}
