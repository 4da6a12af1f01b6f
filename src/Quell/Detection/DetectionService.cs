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
    private int _heldCount;
    private long _callsProcessed;

    public DetectionService(ICallLog calls, IQualityLog quality, ICursorStore cursors, IAlertStore alerts, DetectionEngine engine, ContentFindingsMonitor content, DetectionServiceOptions options, TimeProvider time, IngestQueue queue, IngestMetrics metrics, ILogger<DetectionService> logger, Cluster.ClusterCoordination? coordination = null)
    {
        _leases = coordination?.Leases;
        var host = Environment.MachineName.Replace(':', '_');
        _instance = $"{host[..Math.Min(host.Length, 40)]}:{Environment.ProcessId}:{Guid.NewGuid():N}"[..^24];
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
        metrics.Meter.CreateObservableGauge("quell_detector_partitions_held", () => _leases is null ? 1 : Volatile.Read(ref _heldCount), "{partition}", "Detector partitions this instance holds a lease on.");
        metrics.Meter.CreateObservableCounter("quell_detection_failures", () => Interlocked.Read(ref _failures), "{failure}", "Detection steps, alert writes or subscribers that failed.");
        metrics.Meter.CreateObservableCounter("quell_detection_calls_observed", () => Interlocked.Read(ref _callsProcessed), "{call}", "Calls observed by the detectors.");
    }

    private readonly IngestMetrics _metrics;
    private readonly Cluster.IDetectorLeases? _leases;
    private readonly string _instance;

    // Shared PostgreSQL: one engine per held partition of series, each with its own cursor and replay point.
    private readonly Dictionary<int, Partition> _partitions = [];
    private DateTimeOffset _renewDue = DateTimeOffset.MinValue;
    private bool _qualityHeld;

    private sealed class Partition(int id, long token, DetectionEngine engine, long position, long replayUntil)
    {
        public int Id { get; } = id;

        public long Token { get; } = token;

        public DetectionEngine Engine { get; } = engine;

        public long Position { get; set; } = position;

        public long ReplayUntil { get; } = replayUntil;

        public bool Reconciled { get; set; }
    }

    /// <summary>Partitions this instance runs detection for (empty on a single-instance store, which owns everything).</summary>
    public IReadOnlyCollection<int> HeldPartitions => [.. _partitions.Keys.Order()];

    /// <summary>Alerts the detectors of this instance hold as firing (every held partition's on a shared database).</summary>
    public IReadOnlyCollection<Alert> ActiveAlerts => _leases is null ? _engine.ActiveAlerts : [.. _partitions.Values.SelectMany(p => p.Engine.ActiveAlerts)];

    /// <summary>This instance's id in the partition lease table.</summary>
    public string InstanceId => _instance;

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
            if (_leases is null)
            {
                _engine.AdvanceTo(now);
                await PublishAsync(replaying: false, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                foreach (var partition in _partitions.Values)
                {
                    partition.Engine.AdvanceTo(now);
                }

                await PublishPartitionsAsync(replaying: false, cancellationToken).ConfigureAwait(false);
            }
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
            if (_leases is null)
            {
                await PublishAsync(replaying: false, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await PublishPartitionsAsync(replaying: false, cancellationToken).ConfigureAwait(false);
            }
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

        if (_leases is not null)
        {
            await RunPartitionedAsync(_leases, stoppingToken).ConfigureAwait(false);
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

    private async Task RunPartitionedAsync(Cluster.IDetectorLeases leases, CancellationToken stoppingToken)
    {
        var positions = (Calls: 0L, Evals: 0L, Feedback: 0L);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var progressed = false;
                await _gate.WaitAsync(stoppingToken).ConfigureAwait(false);
                try
                {
                    if (_time.GetUtcNow() >= _renewDue)
                    {
                        positions = await RenewLeasesAsync(leases, positions, stoppingToken).ConfigureAwait(false);
                    }

                    if (_partitions.Count > 0)
                    {
                        (progressed, positions) = await StepPartitionedAsync(positions, stoppingToken).ConfigureAwait(false);
                        foreach (var partition in _partitions.Values.Where(p => !p.Reconciled && p.Position >= p.ReplayUntil).ToList())
                        {
                            await ReconcilePartitionAsync(partition, leases.Partitions, stoppingToken).ConfigureAwait(false);
                        }

                        if (!progressed && _options.LiveAdvanceLag is { } lag)
                        {
                            var target = _time.GetUtcNow() - lag;
                            foreach (var partition in _partitions.Values.Where(p => p.Engine.Now != DateTimeOffset.MinValue && target > p.Engine.Now))
                            {
                                partition.Engine.AdvanceTo(target);
                            }

                            await PublishPartitionsAsync(replaying: false, stoppingToken).ConfigureAwait(false);
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.Increment(ref _failures);
                    _logger.LogError(ex, "detection step failed; retrying");
                }
                finally
                {
                    _gate.Release();
                }

                if (progressed)
                {
                    await SavePartitionCursorsAsync(leases, positions, stoppingToken).ConfigureAwait(false);
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
        finally
        {
            // A clean stop hands the partitions over at once instead of after the lease lapses.
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await leases.ReleaseAsync(_instance, cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogWarning(ex, "could not release detector partition leases; they lapse on their own");
            }
        }
    }

    private async Task<(long Calls, long Evals, long Feedback)> RenewLeasesAsync(Cluster.IDetectorLeases leases, (long Calls, long Evals, long Feedback) positions, CancellationToken ct)
    {
        Cluster.PartitionLeases leased;
        try
        {
            leased = await leases.RenewAsync(_instance, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database is unreachable: the leases lapse soon, so stop deciding for series another instance may take.
            Interlocked.Increment(ref _failures);
            _logger.LogError(ex, "could not renew detector partition leases");
            _partitions.Clear();
            _qualityHeld = false;
            _renewDue = _time.GetUtcNow() + TimeSpan.FromSeconds(1);
            Volatile.Write(ref _heldCount, 0);
            throw;
        }

        foreach (var lost in _partitions.Values.Where(p => !leased.Held.TryGetValue(p.Id, out var token) || token != p.Token).ToList())
        {
            _partitions.Remove(lost.Id);
            DetectionLog.PartitionLost(_logger, _instance, lost.Id);
        }

        foreach (var (id, token) in leased.Held.Where(h => !_partitions.ContainsKey(h.Key)).OrderBy(h => h.Key))
        {
            // State is rebuilt from the log: history before the persisted cursor replays quietly, what follows is live.
            var cursor = await leases.CursorAsync(id, ct).ConfigureAwait(false);
            var partition = new Partition(id, token, new DetectionEngine(_engine.Rules, _time), Math.Max(0, cursor - _options.ReplayCalls), cursor);
            partition.Reconciled = cursor == 0;
            _partitions[id] = partition;
            DetectionLog.PartitionTaken(_logger, _instance, id, token, cursor);
        }

        if (_partitions.ContainsKey(0) && !_qualityHeld)
        {
            _qualityHeld = true;
            var evalCursor = await _cursors.GetAsync(EvalsCursor, ct).ConfigureAwait(false);
            var feedbackCursor = await _cursors.GetAsync(FeedbackCursor, ct).ConfigureAwait(false);
            positions = (positions.Calls, Math.Max(0, evalCursor - 50_000), Math.Max(0, feedbackCursor - 50_000));
        }
        else if (!_partitions.ContainsKey(0))
        {
            _qualityHeld = false;
        }

        Volatile.Write(ref _heldCount, _partitions.Count);
        _renewDue = _time.GetUtcNow() + (leases.Ttl / 3);
        var from = _partitions.Count == 0 ? positions.Calls : _partitions.Values.Min(p => p.Position);
        return (from, positions.Evals, positions.Feedback);
    }

    private async Task SavePartitionCursorsAsync(Cluster.IDetectorLeases leases, (long Calls, long Evals, long Feedback) positions, CancellationToken ct)
    {
        foreach (var partition in _partitions.Values.ToList())
        {
            if (!await leases.SaveCursorAsync(_instance, partition.Id, partition.Token, partition.Position, ct).ConfigureAwait(false))
            {
                // Fenced off: the lease lapsed and another instance may own the partition now.
                _partitions.Remove(partition.Id);
                _renewDue = DateTimeOffset.MinValue;
                DetectionLog.PartitionLost(_logger, _instance, partition.Id);
            }
        }

        if (_qualityHeld)
        {
            await _cursors.SetAsync(EvalsCursor, positions.Evals, ct).ConfigureAwait(false);
            await _cursors.SetAsync(FeedbackCursor, positions.Feedback, ct).ConfigureAwait(false);
        }
    }

    private async Task<(bool Progressed, (long Calls, long Evals, long Feedback) Positions)> StepPartitionedAsync((long Calls, long Evals, long Feedback) at, CancellationToken ct)
    {
        var from = _partitions.Values.Min(p => p.Position);
        var quality = _qualityHeld ? _partitions.GetValueOrDefault(0) : null;
        var calls = await _calls.ReadFiguresAfterAsync(from, _options.BatchSize, ct).ConfigureAwait(false);
        IReadOnlyList<(long Sequence, EvalResult Result)> evals = quality is null ? [] : await _quality.ReadEvalsAfterAsync(at.Evals, _options.BatchSize, ct).ConfigureAwait(false);
        IReadOnlyList<(long Sequence, FeedbackRecord Feedback)> feedback = quality is null ? [] : await _quality.ReadFeedbackAfterAsync(at.Feedback, _options.BatchSize, ct).ConfigureAwait(false);

        // The same watermark as a single engine: quality inputs wait for the calls of their minutes.
        var watermark = calls.Count > 0 ? calls[^1].Call.Timestamp : quality?.Engine.Now ?? DateTimeOffset.MinValue;
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
            return (false, (from, at.Evals, at.Feedback));
        }

        var partitions = _leases!.Partitions;
        int c = 0, e = 0, f = 0, observed = 0;
        while (c < calls.Count || e < evalCount || f < feedbackCount)
        {
            var tc = c < calls.Count ? calls[c].Call.Timestamp : DateTimeOffset.MaxValue;
            var te = e < evalCount ? evals[e].Result.Timestamp : DateTimeOffset.MaxValue;
            var tf = f < feedbackCount ? feedback[f].Feedback.Timestamp : DateTimeOffset.MaxValue;
            if (tc <= te && tc <= tf)
            {
                var logged = calls[c++];
                var call = logged.Call;

                // Event time is shared, as in one engine: every partition's windows close as the log's time passes,
                // not only when a call of its own series arrives.
                foreach (var partition in _partitions.Values)
                {
                    if (logged.Sequence > partition.Position)
                    {
                        partition.Engine.AdvanceTo(call.Timestamp);
                    }
                }

                if (_partitions.TryGetValue(Cluster.SeriesPartition.Of(call.Feature, call.Model, call.Provider, call.Operation, partitions), out var owner)
                    && logged.Sequence > owner.Position)
                {
                    owner.Engine.ObserveSeries(logged);
                    observed++;
                }

                // Partition 0 also runs what spans series: agent loops, spend budgets and content findings see every call.
                if (quality is not null && logged.Sequence > quality.Position)
                {
                    quality.Engine.ObserveAcrossSeries(call);
                    _content.Observe(call);
                }
            }
            else if (te <= tf)
            {
                quality!.Engine.Observe(evals[e++].Result);
            }
            else
            {
                quality!.Engine.Observe(feedback[f++].Feedback);
            }
        }

        Interlocked.Add(ref _callsProcessed, observed);
        if (calls.Count > 0)
        {
            _metrics.Seen(calls[^1].Sequence, calls.Max(x => x.Call.Timestamp));
        }

        var replaying = _partitions.Values.Any(p => p.Position < p.ReplayUntil);
        await PublishPartitionsAsync(replaying, ct).ConfigureAwait(false);
        var last = calls.Count > 0 ? calls[^1].Sequence : from;
        foreach (var partition in _partitions.Values.Where(p => p.Position < last))
        {
            partition.Position = last;
        }

        return (true, (
            last,
            evalCount > 0 ? evals[evalCount - 1].Sequence : at.Evals,
            feedbackCount > 0 ? feedback[feedbackCount - 1].Sequence : at.Feedback));
    }

    // A partition taken over holds, after its replay, exactly the alerts its history implies: a firing alert of one of
    // its series that it does not hold was resolved by time (or raised by state the log cannot reproduce).
    private async Task ReconcilePartitionAsync(Partition partition, int partitions, CancellationToken ct)
    {
        partition.Reconciled = true;
        var active = partition.Engine.ActiveAlerts.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var firing = await _alerts.QueryAsync(new AlertQuery(State: "firing", Limit: 10_000), ct).ConfigureAwait(false);
        foreach (var stale in firing.Where(a => a.Category is not (AlertCategory.Data or AlertCategory.Abuse) && !active.Contains(a.Id)))
        {
            // Alerts of one series belong to its partition; those that span series (loops, spend, quality) to partition 0.
            var labels = stale.Labels;
            static string? Unnamed(string v) => v == "(none)" ? null : v;
            var owner = labels.TryGetValue("feature", out var feature) && labels.TryGetValue("model", out var model)
                && labels.TryGetValue("provider", out var provider) && labels.TryGetValue("operation", out var operation)
                ? Cluster.SeriesPartition.Of(Unnamed(feature), Unnamed(model), Unnamed(provider), operation, partitions)
                : 0;
            if (owner != partition.Id)
            {
                continue;
            }

            var at = partition.Engine.Now > stale.FiredAt ? partition.Engine.Now : stale.FiredAt;
            _external.Add(new AlertEvent(AlertEventKind.Resolved, stale with { State = AlertState.Resolved, ResolvedAt = at }, at));
        }

        await PublishPartitionsAsync(replaying: false, ct).ConfigureAwait(false);
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
        await PublishEventsAsync(events, _ => replaying, ct).ConfigureAwait(false);
        Interlocked.Exchange(ref _firing, _engine.ActiveAlerts.Count);
    }

    // Each partition's events are announced only once it has replayed past its persisted cursor; the content monitor
    // and external events follow the instance as a whole.
    private async Task PublishPartitionsAsync(bool replaying, CancellationToken ct)
    {
        var now = _partitions.Values.Select(p => p.Engine.Now).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        if (now != DateTimeOffset.MinValue)
        {
            _content.AdvanceTo(now);
        }

        var events = new List<(AlertEvent Event, bool Replaying)>();
        foreach (var partition in _partitions.Values)
        {
            var quiet = partition.Position < partition.ReplayUntil;
            events.AddRange(partition.Engine.Drain().Select(e => (e, quiet)));
        }

        var zero = _partitions.GetValueOrDefault(0);
        events.AddRange(_content.Drain().Select(e => (e, replaying && zero is not null && zero.Position < zero.ReplayUntil)));
        events.AddRange(_external.Select(e => (e, false)));
        _external.Clear();
        var ordered = events.OrderBy(e => e.Event.At).ToList();
        var quietEvents = ordered.Where(e => e.Replaying).Select(e => e.Event).ToHashSet();
        await PublishEventsAsync(ordered.Select(e => e.Event).ToList(), quietEvents.Contains, ct).ConfigureAwait(false);
        Interlocked.Exchange(ref _firing, _partitions.Values.Sum(p => p.Engine.ActiveAlerts.Count));
    }

    private async Task PublishEventsAsync(List<AlertEvent> events, Func<AlertEvent, bool> replayingOf, CancellationToken ct)
    {
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

            if (replayingOf(ev))
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
    }
}

internal static partial class DetectionLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "instance {Instance} took detector partition {Partition} (fencing token {Token}), replaying to cursor {Cursor}")]
    public static partial void PartitionTaken(ILogger logger, string instance, int partition, long token, long cursor);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "instance {Instance} no longer holds detector partition {Partition}")]
    public static partial void PartitionLost(ILogger logger, string instance, int partition);
}
