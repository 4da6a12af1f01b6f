using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Quell.Alerts;
using Quell.Calls;
using Quell.Detection;
using Quell.Ingest;
using Quell.Storage;

namespace Quell.Server.Detection;

/// <summary>How the detection consumer follows the logs.</summary>
public sealed record DetectionServiceOptions
{
    /// <summary>Run the detectors in this process; off for an ingest-only node.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Rows read per log per step.</summary>
    public int BatchSize { get; init; } = 5000;

    /// <summary>History replayed at start-up to rebuild baselines, counted in calls before the saved cursor.</summary>
    public int ReplayCalls { get; init; } = 500_000;

    /// <summary>
    /// In live mode the engine's clock follows the server clock minus this lag, so windows close and alerts
    /// resolve without traffic while late records still land in their window. Null: time follows the data only.
    /// </summary>
    public TimeSpan? LiveAdvanceLag { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Idle poll period when nothing is committed.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Feeds the detection engine from the calls, eval and feedback logs by persisted cursor, stores the alerts it
/// raises and resolves, and tells subscribers (incidents) about them.
/// </summary>
public sealed class DetectionService : BackgroundService
{
    private const string CallsCursor = "detection.calls";
    private const string EvalsCursor = "detection.evals";
    private const string FeedbackCursor = "detection.feedback";

    private readonly ICallLog _calls;
    private readonly IQualityLog _quality;
    private readonly ICursorStore _cursors;
    private readonly IAlertStore _alerts;
    private readonly DetectionEngine _engine;
    private readonly ContentFindingsMonitor _content;
    private readonly ILogger<DetectionService> _logger;
    private long _failures;
    private readonly DetectionServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly ConcurrentQueue<TaskCompletionSource> _catchUpWaiters = new();
    private readonly ConcurrentDictionary<string, long> _fired = new(StringComparer.Ordinal);
    private readonly Lock _subscribersLock = new();
    private readonly List<Func<AlertEvent, CancellationToken, Task>> _subscribers = [];
    private long _firing;
    private long _callsProcessed;

    public DetectionService(ICallLog calls, IQualityLog quality, ICursorStore cursors, IAlertStore alerts, DetectionEngine engine, ContentFindingsMonitor content, DetectionServiceOptions options, TimeProvider time, IngestQueue queue, IngestMetrics metrics, ILogger<DetectionService> logger)
    {
        _logger = logger;
        _content = content;
        _calls = calls;
        _quality = quality;
        _cursors = cursors;
        _alerts = alerts;
        _engine = engine;
        _options = options;
        _time = time;
        queue.Committed += _ => Poke();
        _metrics = metrics;
        metrics.Meter.CreateObservableCounter("quell_alerts_fired", () => _fired.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("category", p.Key))), "{alert}", "Alerts raised by the detectors, by category.");
        metrics.Meter.CreateObservableGauge("quell_alerts_firing", () => Interlocked.Read(ref _firing), "{alert}", "Alerts currently firing.");
        metrics.Meter.CreateObservableCounter("quell_detection_failures", () => Interlocked.Read(ref _failures), "{failure}", "Detection steps, alert writes or subscribers that failed.");
        metrics.Meter.CreateObservableCounter("quell_detection_calls_observed", () => Interlocked.Read(ref _callsProcessed), "{call}", "Calls observed by the detectors.");
    }

    private readonly IngestMetrics _metrics;

    public DetectionEngine Engine => _engine;

    /// <summary>Subscribes to alert events after they are stored (incidents, notifications).</summary>
    public void Subscribe(Func<AlertEvent, CancellationToken, Task> handler)
    {
        lock (_subscribersLock)
        {
            _subscribers.Add(handler);
        }
    }

    public void Poke() => _wake.Release();

    /// <summary>Completes when everything committed so far has been observed and its alerts stored.</summary>
    public Task CatchUpAsync(CancellationToken cancellationToken = default)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _catchUpWaiters.Enqueue(waiter);
        Poke();
        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Moves the engine's clock (e.g. to the end of a simulated run) and stores what it decides.</summary>
    public async Task AdvanceToAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        _flushUntil = now;
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _engine.AdvanceTo(now);
            await PublishAsync(replaying: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Stores and announces an alert raised outside the engine (isolation probes, external checks).</summary>
    public async Task PublishExternalAsync(AlertEvent e, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _external.Add(e);
            await PublishAsync(replaying: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private readonly List<AlertEvent> _external = [];

    public override void Dispose()
    {
        _wake.Dispose();
        _gate.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (!_options.Enabled)
        {
            return;
        }

        var callCursor = await _cursors.GetAsync(CallsCursor, stoppingToken).ConfigureAwait(false);
        var evalCursor = await _cursors.GetAsync(EvalsCursor, stoppingToken).ConfigureAwait(false);
        var feedbackCursor = await _cursors.GetAsync(FeedbackCursor, stoppingToken).ConfigureAwait(false);

        // Rebuild baselines from recent history; alerts re-raised on the way keep their ids and are not re-announced.
        var replayUntil = callCursor;
        var positions = (Calls: Math.Max(0, callCursor - _options.ReplayCalls), Evals: Math.Max(0, evalCursor - 50_000), Feedback: Math.Max(0, feedbackCursor - 50_000));
        while (!stoppingToken.IsCancellationRequested)
        {
            var progressed = false;
            await _gate.WaitAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                var replaying = positions.Calls < replayUntil;
                (progressed, positions) = await StepAsync(positions, replaying, stoppingToken).ConfigureAwait(false);
                if (replaying && positions.Calls >= replayUntil)
                {
                    await ReconcileAsync(stoppingToken).ConfigureAwait(false);
                }

                if (!progressed && _options.LiveAdvanceLag is { } lag)
                {
                    var target = _time.GetUtcNow() - lag;
                    if (target > _engine.Now && _engine.Now != DateTimeOffset.MinValue)
                    {
                        _engine.AdvanceTo(target);
                        await PublishAsync(replaying: false, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Reading the logs failed (busy or broken store): keep the host serving and retry after a pause.
                Interlocked.Increment(ref _failures);
                _logger.LogError(ex, "detection step failed; retrying");
            }
            finally
            {
                _gate.Release();
            }

            if (progressed)
            {
                await _cursors.SetAsync(CallsCursor, positions.Calls, stoppingToken).ConfigureAwait(false);
                await _cursors.SetAsync(EvalsCursor, positions.Evals, stoppingToken).ConfigureAwait(false);
                await _cursors.SetAsync(FeedbackCursor, positions.Feedback, stoppingToken).ConfigureAwait(false);
                continue;
            }

            while (_catchUpWaiters.TryDequeue(out var waiter))
            {
                waiter.TrySetResult();
            }

            try
            {
                await _wake.WaitAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<(bool Progressed, (long Calls, long Evals, long Feedback) Positions)> StepAsync((long Calls, long Evals, long Feedback) at, bool replaying, CancellationToken ct)
    {
        var calls = await _calls.ReadFiguresAfterAsync(at.Calls, _options.BatchSize, ct).ConfigureAwait(false);
        var evals = await _quality.ReadEvalsAfterAsync(at.Evals, _options.BatchSize, ct).ConfigureAwait(false);
        var feedback = await _quality.ReadFeedbackAfterAsync(at.Feedback, _options.BatchSize, ct).ConfigureAwait(false);

        // Eval results and feedback often arrive ahead of the calls of the same minutes (a CI run posts a whole
        // suite at once). They wait until the calls have caught up, so every stream is observed in time order.
        // Only once the calls log is drained may the clock stand in for it: while a full batch says more calls follow
        // (a restart replaying history, a backlog), an eval stamped "now" must wait for the calls before it, or the
        // engine's clock would run ahead and every replayed call would land in today's windows and budgets.
        var watermark = calls.Count > 0 ? calls[^1].Call.Timestamp : _engine.Now;
        var drained = calls.Count < _options.BatchSize;
        if (drained && _options.LiveAdvanceLag is { } lag && _time.GetUtcNow() - lag > watermark)
        {
            watermark = _time.GetUtcNow() - lag;
        }

        if (drained && _flushUntil is { } flush && flush > watermark)
        {
            watermark = flush;
        }

        var evalCount = Prefix(evals, e => e.Result.Timestamp <= watermark);
        var feedbackCount = Prefix(feedback, f => f.Feedback.Timestamp <= watermark);
        if (calls.Count == 0 && evalCount == 0 && feedbackCount == 0)
        {
            return (false, at);
        }

        int c = 0, e = 0, f = 0;
        while (c < calls.Count || e < evalCount || f < feedbackCount)
        {
            var tc = c < calls.Count ? calls[c].Call.Timestamp : DateTimeOffset.MaxValue;
            var te = e < evalCount ? evals[e].Result.Timestamp : DateTimeOffset.MaxValue;
            var tf = f < feedbackCount ? feedback[f].Feedback.Timestamp : DateTimeOffset.MaxValue;
            if (tc <= te && tc <= tf)
            {
                _engine.Observe(calls[c]);
                _content.Observe(calls[c++].Call);
            }
            else if (te <= tf)
            {
                _engine.Observe(evals[e++].Result);
            }
            else
            {
                _engine.Observe(feedback[f++].Feedback);
            }
        }

        Interlocked.Add(ref _callsProcessed, calls.Count);
        if (calls.Count > 0)
        {
            _metrics.Seen(calls[^1].Sequence, calls.Max(x => x.Call.Timestamp));
        }

        await PublishAsync(replaying, ct).ConfigureAwait(false);
        return (true, (
            calls.Count > 0 ? calls[^1].Sequence : at.Calls,
            evalCount > 0 ? evals[evalCount - 1].Sequence : at.Evals,
            feedbackCount > 0 ? feedback[feedbackCount - 1].Sequence : at.Feedback));
    }

    // After the replay the engine holds exactly the alerts its history implies. Any alert the store still shows as
    // firing that the engine does not hold (resolved by time that passed while the server was down, or raised by a
    // process that kept state the log cannot reproduce) is resolved now, stored and announced, so the API, the engine
    // and the incidents agree.
    private async Task ReconcileAsync(CancellationToken ct)
    {
        var active = _engine.ActiveAlerts.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var firing = await _alerts.QueryAsync(new AlertQuery(State: "firing", Limit: 10_000), ct).ConfigureAwait(false);

        // Data and abuse alerts come from the content monitor and external probes, which keep their own episodes.
        foreach (var stale in firing.Where(a => a.Category is not (AlertCategory.Data or AlertCategory.Abuse) && !active.Contains(a.Id)))
        {
            var at = _engine.Now > stale.FiredAt ? _engine.Now : stale.FiredAt;
            _external.Add(new AlertEvent(AlertEventKind.Resolved, stale with { State = AlertState.Resolved, ResolvedAt = at }, at));
        }

        await PublishAsync(replaying: false, ct).ConfigureAwait(false);
    }

    private static int Prefix<T>(IReadOnlyList<T> items, Func<T, bool> ready)
    {
        var n = 0;
        while (n < items.Count && ready(items[n]))
        {
            n++;
        }

        return n;
    }

    private DateTimeOffset? _flushUntil;

    private async Task PublishAsync(bool replaying, CancellationToken ct)
    {
        _content.AdvanceTo(_engine.Now);
        var events = _engine.Drain().Concat(_content.Drain()).Concat(_external).OrderBy(e => e.At).ToList();
        _external.Clear();
        foreach (var ev in events)
        {
            try
            {
                await _alerts.UpsertAsync(ev.Alert, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One alert that cannot be stored must not stop detection for everything else.
                Interlocked.Increment(ref _failures);
                _logger.LogError(ex, "could not store alert {AlertId}", ev.Alert.Id);
                continue;
            }

            if (ev.Alert.State == AlertState.Firing)
            {
                _fired.AddOrUpdate(ev.Alert.Category.ToString().ToLowerInvariant(), 1, (_, n) => n + 1);
            }

            if (replaying)
            {
                continue;
            }

            List<Func<AlertEvent, CancellationToken, Task>> subscribers;
            lock (_subscribersLock)
            {
                subscribers = [.. _subscribers];
            }

            foreach (var subscriber in subscribers)
            {
                try
                {
                    await subscriber(ev, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.Increment(ref _failures);
                    _logger.LogError(ex, "alert subscriber failed for {AlertId}", ev.Alert.Id);
                }
            }
        }

        Interlocked.Exchange(ref _firing, _engine.ActiveAlerts.Count);
    }
}
