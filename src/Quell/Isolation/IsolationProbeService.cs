using Dapper;
using Quell.Alerts;
using Quell.Isolation;
using Quell.Server.Detection;
using Quell.Storage.Sqlite;

namespace Quell.Server.Isolation;

/// <summary>
/// Runs the isolation probes on schedule, keeps every result, and raises a data alert (resolved by the next clean
/// round) when a tenant's answer carries another tenant's canary or documents.
/// </summary>
public sealed class IsolationProbeService(IsolationProber prober, IsolationProbeConfig config, SqliteDatabase database, DetectionService detection, TimeProvider time, ILogger<IsolationProbeService> logger) : BackgroundService
{
    private readonly Dictionary<string, Alert> _open = new(StringComparer.Ordinal);
    private int _round;

    public async Task<IReadOnlyList<IsolationProbeResult>> RunOnceAsync(CancellationToken ct)
    {
        var results = await prober.RunRoundAsync(_round++, ct).ConfigureAwait(false);
        using (var connection = database.Open())
        {
            foreach (var r in results)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO isolation_probe_results(ts, tenant, prompt, passed, leaked_from, evidence, status_code, error, latency_ms) VALUES (@ts, @Tenant, @Prompt, @Passed, @leaked, @Evidence, @StatusCode, @Error, @LatencyMs)",
                    new { ts = r.At.ToUnixTimeMilliseconds(), r.Tenant, r.Prompt, r.Passed, leaked = r.LeakedFrom.Count == 0 ? null : string.Join(",", r.LeakedFrom), r.Evidence, r.StatusCode, r.Error, r.LatencyMs },
                    cancellationToken: ct)).ConfigureAwait(false);
            }
        }

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

    public async Task<IReadOnlyList<IsolationProbeResult>> ResultsAsync(int limit, CancellationToken ct)
    {
        using var connection = database.Open();
        var rows = await connection.QueryAsync<(long Ts, string Tenant, string Prompt, long Passed, string? Leaked, string? Evidence, long? Status, string? Error, double Latency)>(new CommandDefinition(
            "SELECT ts, tenant, prompt, passed, leaked_from, evidence, status_code, error, latency_ms FROM isolation_probe_results ORDER BY seq DESC LIMIT @limit", new { limit }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new IsolationProbeResult
        {
            At = DateTimeOffset.FromUnixTimeMilliseconds(r.Ts),
            Tenant = r.Tenant,
            Prompt = r.Prompt,
            Passed = r.Passed != 0,
            LeakedFrom = r.Leaked?.Split(',') ?? [],
            Evidence = r.Evidence,
            StatusCode = (int?)r.Status,
            Error = r.Error,
            LatencyMs = r.Latency,
        }).ToList();
    }

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
