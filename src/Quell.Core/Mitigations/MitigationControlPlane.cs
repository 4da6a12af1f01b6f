using Quell.Response;

namespace Quell.Mitigations;

/// <summary>Outcome of a state change: the mitigation, or why not (not found, wrong state, invalid fields).</summary>
public sealed record MitigationResult(Mitigation? Mitigation, MitigationFailure Failure = MitigationFailure.None, IReadOnlyList<MitigationError>? Errors = null)
{
    public bool Succeeded => Failure == MitigationFailure.None;
}

/// <summary>Why a mitigation request was not carried out.</summary>
public enum MitigationFailure
{
    None,
    Invalid,
    NotFound,
    Conflict,
}

/// <summary>Defaults of the control plane.</summary>
public sealed record MitigationControlOptions
{
    /// <summary>Expiry when a request names none. Default 4 hours: mitigations are triage, not fixes.</summary>
    public TimeSpan DefaultExpiry { get; init; } = TimeSpan.FromHours(4);
}

/// <summary>
/// The mitigation control plane: creates, approves, revokes and expires mitigations, audits every change,
/// reports it to the incident timeline, and publishes the active set under a version that clients follow.
/// </summary>
public sealed class MitigationControlPlane : IDisposable
{
    private readonly IMitigationStore _store;
    private readonly IIncidentTimeline _timeline;
    private readonly TimeProvider _time;
    private readonly MitigationControlOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Mitigation> _open = new(StringComparer.Ordinal);
    private ITimer? _expiryTimer;
    private MitigationSet _current = new(0, []);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _idCounter;

    public MitigationControlPlane(IMitigationStore store, IIncidentTimeline timeline, TimeProvider time, MitigationControlOptions? options = null)
    {
        _store = store;
        _timeline = timeline;
        _time = time;
        _options = options ?? new MitigationControlOptions();
    }

    /// <summary>The active set and its version; cheap, lock-free read.</summary>
    public MitigationSet Current => Volatile.Read(ref _current);

    /// <summary>Loads open mitigations from the store and expires what ran out while Quell was down.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var open = await _store.QueryAsync([MitigationState.Proposed, MitigationState.Active], 10_000, cancellationToken).ConfigureAwait(false);
        var version = await _store.LastAuditSequenceAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _open.Clear();
            foreach (var m in open)
            {
                _open[m.Id] = m;
            }

            Publish(version);
        }
        finally
        {
            _gate.Release();
        }

        await ExpireDueAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the version differs from <paramref name="knownVersion"/> or the wait elapses; returns the set then.</summary>
    public async Task<MitigationSet> WaitForChangeAsync(long knownVersion, TimeSpan wait, CancellationToken cancellationToken)
    {
        var changed = Volatile.Read(ref _changed).Task;
        var current = Current;
        if (current.Version != knownVersion || wait <= TimeSpan.Zero)
        {
            return current;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait, _time, cts.Token);
        await Task.WhenAny(changed, delay).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return Current;
    }

    public IReadOnlyList<Mitigation> Open
    {
        get
        {
            lock (_open)
            {
                return [.. _open.Values.OrderBy(m => m.CreatedAt)];
            }
        }
    }

    /// <summary>Whether an open mitigation was already proposed for this alert (auto-mitigation proposes once).</summary>
    public bool HasOpenForAlert(string alertId)
    {
        lock (_open)
        {
            return _open.Values.Any(m => m.AlertId == alertId);
        }
    }

    public async Task<MitigationResult> CreateAsync(MitigationRequest request, CancellationToken cancellationToken = default)
    {
        var errors = MitigationValidator.Validate(request);
        if (errors.Count > 0)
        {
            return new MitigationResult(null, MitigationFailure.Invalid, errors);
        }

        var now = _time.GetUtcNow();
        var apply = request.Mode == MitigationMode.Apply;
        var actor = string.IsNullOrWhiteSpace(request.CreatedBy) ? "unknown" : request.CreatedBy!;
        var mitigation = new Mitigation
        {
            Id = $"mit-{now.ToUnixTimeMilliseconds():x}-{Interlocked.Increment(ref _idCounter):x}",
            Kind = request.Kind!.Value,
            Scope = request.Scope ?? MitigationScope.Everywhere,
            Parameters = request.Parameters ?? new MitigationParameters(),
            Reason = request.Reason!,
            IncidentId = request.IncidentId,
            AlertId = request.AlertId,
            ExpectedEffect = request.ExpectedEffect,
            CreatedBy = actor,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = now + (request.ExpiresIn ?? _options.DefaultExpiry),
            State = apply ? MitigationState.Active : MitigationState.Proposed,
            ApprovedBy = apply ? actor : null,
        };
        await ChangeAsync(mitigation, apply ? "applied" : "proposed", actor, null, null, cancellationToken).ConfigureAwait(false);
        return new MitigationResult(mitigation);
    }

    public Task<MitigationResult> ApproveAsync(string id, string actor, CancellationToken cancellationToken = default) =>
        TransitionAsync(id, actor, null, MitigationState.Proposed, m => m with { State = MitigationState.Active, ApprovedBy = actor }, "approved", cancellationToken);

    public Task<MitigationResult> RevokeAsync(string id, string actor, string? note, CancellationToken cancellationToken = default) =>
        TransitionAsync(id, actor, note, null, m => m with { State = MitigationState.Revoked }, "revoked", cancellationToken);

    /// <summary>Marks every open mitigation whose expiry has passed as expired.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        List<Mitigation> due;
        lock (_open)
        {
            due = _open.Values.Where(m => m.ExpiresAt is { } e && e <= now).ToList();
        }

        foreach (var m in due)
        {
            await ChangeAsync(m with { State = MitigationState.Expired, UpdatedAt = now }, "expired", "quell", m.State, null, cancellationToken).ConfigureAwait(false);
        }

        ScheduleExpiry();
        return due.Count;
    }

    private async Task<MitigationResult> TransitionAsync(string id, string actor, string? note, MitigationState? requiredState, Func<Mitigation, Mitigation> change, string action, CancellationToken cancellationToken)
    {
        Mitigation? m;
        lock (_open)
        {
            _open.TryGetValue(id, out m);
        }

        if (m is null)
        {
            var stored = await _store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return stored is null
                ? new MitigationResult(null, MitigationFailure.NotFound)
                : new MitigationResult(stored, MitigationFailure.Conflict, [new MitigationError("state", $"mitigation '{id}' is {stored.State.ToString().ToLowerInvariant()}; only open mitigations can be {action}")]);
        }

        if (requiredState is { } required && m.State != required)
        {
            return new MitigationResult(m, MitigationFailure.Conflict, [new MitigationError("state", $"mitigation '{id}' is {m.State.ToString().ToLowerInvariant()}; only {required.ToString().ToLowerInvariant()} ones can be {action}")]);
        }

        var next = change(m) with { UpdatedAt = _time.GetUtcNow() };
        return await ChangeAsync(next, action, actor, m.State, note, cancellationToken).ConfigureAwait(false)
            ? new MitigationResult(next)
            : new MitigationResult(m, MitigationFailure.Conflict, [new MitigationError("state", $"mitigation '{id}' changed meanwhile; reload it and try again")]);
    }

    // Returns false when the mitigation left state `from` meanwhile (two approvals, or an expiry racing a revoke).
    private async Task<bool> ChangeAsync(Mitigation next, string action, string actor, MitigationState? from, string? note, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (from is { } expected)
            {
                lock (_open)
                {
                    if (!_open.TryGetValue(next.Id, out var current) || current.State != expected)
                    {
                        return false;
                    }
                }
            }

            var version = await _store.SaveAsync(next, action, actor, from, note, cancellationToken).ConfigureAwait(false);
            lock (_open)
            {
                if (next.State is MitigationState.Proposed or MitigationState.Active)
                {
                    _open[next.Id] = next;
                }
                else
                {
                    _open.Remove(next.Id);
                }
            }

            Publish(version);
        }
        finally
        {
            _gate.Release();
        }

        ScheduleExpiry();
        if (next.IncidentId is { } incident)
        {
            await _timeline.AppendAsync(incident, "mitigation_" + action, actor, $"{action} mitigation {next.Id}: {next.Describe()} ({next.Reason})", next, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    // Called under _gate: swaps in the new set, then wakes every long-poll waiting on the old one.
    private void Publish(long version)
    {
        var now = _time.GetUtcNow();
        List<Mitigation> active;
        lock (_open)
        {
            active = _open.Values.Where(m => m.IsLive(now)).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id, StringComparer.Ordinal).ToList();
        }

        Volatile.Write(ref _current, new MitigationSet(version, active));
        var old = Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        old.TrySetResult();
    }

    private void ScheduleExpiry()
    {
        DateTimeOffset? next;
        lock (_open)
        {
            next = _open.Values.Where(m => m.ExpiresAt is not null).Select(m => m.ExpiresAt).Min();
        }

        if (next is not { } at)
        {
            return;
        }

        var due = at - _time.GetUtcNow();
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        var timer = _time.CreateTimer(_ => _ = ExpireDueAsync(), null, due, Timeout.InfiniteTimeSpan);
        Interlocked.Exchange(ref _expiryTimer, timer)?.Dispose();
    }

    public void Dispose()
    {
        _expiryTimer?.Dispose();
        _gate.Dispose();
    }
}
