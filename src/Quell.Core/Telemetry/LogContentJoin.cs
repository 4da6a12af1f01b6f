using Quell.Calls;

namespace Quell.Telemetry;

/// <summary>
/// Joins GenAI content that arrives as OTLP log events to the call of the span it was emitted in (by trace and
/// span id), whichever arrives first. The calls log is append-only, so the join happens before the append:
/// content that comes first waits in a bounded buffer until its span comes (or <see cref="LogJoinOptions.ContentWait"/>
/// passes); a span that comes first, carries no content and is from a scope that sends content as logs is held
/// until its content is complete (an output event, or any content for a failed call) or
/// <see cref="LogJoinOptions.SpanWait"/> passes. The trace export is acknowledged once the joined call is durable.
/// Content for a call already stored is counted as late, never appended as a second call.
/// </summary>
public sealed class LogContentJoin : IDisposable
{
    private readonly LogJoinOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PendingContent> _content = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, long Stamp)> _contentOrder = new();
    private readonly Dictionary<string, HeldSpan> _held = new(StringComparer.Ordinal);
    private readonly HashSet<string> _scopes;
    private readonly HashSet<string> _recent = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrder = new();
    private readonly Dictionary<string, int> _emptyTimeouts = new(StringComparer.Ordinal);
    private readonly OtlpSignalMetrics _metrics;
    private long _stamp;

    /// <summary>
    /// After this many spans of a scope in a row waited and got no content event at all, the scope's spans stop
    /// waiting (its application exports no logs) until a content event of that scope arrives again.
    /// </summary>
    internal const int EmptyTimeoutsBeforeSkipping = 3;

    public LogContentJoin(LogJoinOptions options, TimeProvider time, OtlpSignalMetrics metrics)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        _scopes = new HashSet<string>(options.LogContentScopes, StringComparer.Ordinal);
    }

    /// <summary>Spans held for their content right now.</summary>
    public int HeldSpans
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Spans whose content is waiting for them right now.</summary>
    public int WaitingContent
    {
        get
        {
            lock (_lock)
            {
                ExpireContent();
                return _content.Count;
            }
        }
    }

    /// <summary>Raised (outside the lock) each time a span starts waiting for its content; lets tests order arrivals without sleeping.</summary>
    public event Action<string>? SpanHeld;

    /// <summary>Adds decoded log records; returns what became of them.</summary>
    public LogJoinCounts AddLogs(IReadOnlyList<OtlpLogRecord> records)
    {
        var counts = new LogJoinCounts();
        var released = new List<(HeldSpan Span, CallRecord Call)>();
        lock (_lock)
        {
            ExpireContent();
            foreach (var record in records)
            {
                if (!ContentParts.IsContentEvent(record.EventName))
                {
                    counts.NotContent++;
                    continue;
                }

                if (record.TraceId.Length != 32 || record.SpanId.Length != 16)
                {
                    counts.Unjoinable++;
                    continue;
                }

                if (record.Scope is { Length: > 0 } scope && _scopes.Count < 256)
                {
                    _scopes.Add(scope);
                    _emptyTimeouts.Remove(scope);
                }

                var id = record.TraceId + "-" + record.SpanId;
                if (_held.TryGetValue(id, out var held))
                {
                    held.Content.AddEvent(record.EventName, record.Attributes, record.Body);
                    if (held.Scope is not null)
                    {
                        _emptyTimeouts.Remove(held.Scope);
                    }

                    counts.Joined++;
                    if (held.Content.HasOutputEvent || (held.Call.IsError && held.Content.Events > 0))
                    {
                        _held.Remove(id);
                        Remember(id);
                        released.Add((held, Merge(held.Call, held.Content)));
                    }

                    continue;
                }

                if (_recent.Contains(id))
                {
                    counts.Late++;
                    continue;
                }

                if (!_content.TryGetValue(id, out var pending))
                {
                    while (_content.Count >= _options.MaxPending && _contentOrder.TryDequeue(out var oldest))
                    {
                        if (_content.TryGetValue(oldest.Id, out var p) && p.Stamp == oldest.Stamp)
                        {
                            _content.Remove(oldest.Id);
                            _metrics.LogRecords("dropped_full", p.Content.Events);
                        }
                    }

                    pending = new PendingContent(new ContentParts(), ++_stamp, _time.GetUtcNow() + _options.ContentWait);
                    _content[id] = pending;
                    _contentOrder.Enqueue((id, pending.Stamp));
                }

                pending.Content.AddEvent(record.EventName, record.Attributes, record.Body);
                counts.Pending++;
            }
        }

        foreach (var (span, call) in released)
        {
            span.Release(call);
        }

        _metrics.LogRecords("joined", counts.Joined);
        _metrics.LogRecords("pending", counts.Pending);
        _metrics.LogRecords("late", counts.Late);
        _metrics.LogRecords("not_content", counts.NotContent);
        _metrics.LogRecords("unjoinable", counts.Unjoinable);
        return counts;
    }

    /// <summary>
    /// Joins each call with content that came before it; calls that should wait for content are held. The
    /// returned task yields the calls to append, in order, once every held call is complete or timed out.
    /// </summary>
    public Task<CallRecord[]> JoinAsync(IReadOnlyList<CallRecord> calls, IReadOnlyDictionary<string, string?> scopeById)
    {
        var result = new CallRecord[calls.Count];
        List<(int Index, Task<CallRecord> Task)>? waiting = null;
        var held = new List<string>();
        lock (_lock)
        {
            ExpireContent();
            for (var i = 0; i < calls.Count; i++)
            {
                var call = calls[i];
                if (_held.TryGetValue(call.Id, out var already))
                {
                    // A re-sent span that is still waiting: both requests get the one joined call.
                    (waiting ??= []).Add((i, already.Completion.Task));
                    continue;
                }

                ContentParts? content = null;
                if (_content.Remove(call.Id, out var pending))
                {
                    content = pending.Content;
                    call = Merge(call, content);
                    _metrics.LogRecords("joined_from_pending", content.Events);
                }

                var complete = content is not null && (content.HasOutputEvent || (call.IsError && content.Events > 0));
                var scope = scopeById.GetValueOrDefault(call.Id);
                var hasOwnContent = content is null && (call.Input is not null || call.Output is not null || call.SystemPrompt is not null);
                if (!complete && !hasOwnContent && _options.SpanWait > TimeSpan.Zero && scope is not null && _scopes.Contains(scope)
                    && _held.Count < _options.MaxPending)
                {
                    var span = new HeldSpan(call, content ?? new ContentParts(), scope);
                    _held[call.Id] = span;
                    span.Timer = _time.CreateTimer(static s => ((HeldSpanTimeout)s!).Fire(), new HeldSpanTimeout(this, call.Id), _options.SpanWait, Timeout.InfiniteTimeSpan);
                    (waiting ??= []).Add((i, span.Completion.Task));
                    held.Add(call.Id);
                    continue;
                }

                result[i] = call;
                Remember(call.Id);
            }
        }

        foreach (var id in held)
        {
            SpanHeld?.Invoke(id);
        }

        if (waiting is null)
        {
            return Task.FromResult(result);
        }

        return CompleteAsync(result, waiting);
    }

    public void Dispose()
    {
        List<HeldSpan> held;
        lock (_lock)
        {
            held = [.. _held.Values];
            _held.Clear();
        }

        foreach (var span in held)
        {
            span.Release(Merge(span.Call, span.Content));
        }
    }

    private static async Task<CallRecord[]> CompleteAsync(CallRecord[] result, List<(int Index, Task<CallRecord> Task)> waiting)
    {
        foreach (var (index, task) in waiting)
        {
            result[index] = await task.ConfigureAwait(false);
        }

        return result;
    }

    private void TimedOut(string id)
    {
        HeldSpan? span;
        lock (_lock)
        {
            if (!_held.Remove(id, out span))
            {
                return;
            }

            Remember(id);
            if (span.Content.Events == 0 && span.Scope is { } scope
                && (_emptyTimeouts[scope] = _emptyTimeouts.GetValueOrDefault(scope) + 1) >= EmptyTimeoutsBeforeSkipping)
            {
                // An application that sends no logs must not pay the wait on every export.
                _scopes.Remove(scope);
                _emptyTimeouts.Remove(scope);
            }
        }

        _metrics.SpansReleasedWithoutCompleteContent();
        span.Release(Merge(span.Call, span.Content));
    }

    // Ids of calls already handed to the log, so content that turns up afterwards is counted late instead of waiting.
    private void Remember(string id)
    {
        if (_recent.Add(id))
        {
            _recentOrder.Enqueue(id);
            while (_recentOrder.Count > _options.MaxPending && _recentOrder.TryDequeue(out var old))
            {
                _recent.Remove(old);
            }
        }
    }

    private void ExpireContent()
    {
        var now = _time.GetUtcNow();
        while (_contentOrder.TryPeek(out var front))
        {
            if (!_content.TryGetValue(front.Id, out var p) || p.Stamp != front.Stamp)
            {
                _contentOrder.Dequeue();
                continue;
            }

            if (p.ExpiresAt > now)
            {
                break;
            }

            _contentOrder.Dequeue();
            _content.Remove(front.Id);
            _metrics.LogRecords("expired", p.Content.Events);
        }
    }

    private static CallRecord Merge(CallRecord call, ContentParts content)
    {
        var (system, input, output) = content.Texts();
        return system is null && input is null && output is null
            ? call
            : call with { SystemPrompt = call.SystemPrompt ?? system, Input = call.Input ?? input, Output = call.Output ?? output };
    }

    private sealed record PendingContent(ContentParts Content, long Stamp, DateTimeOffset ExpiresAt);

    private sealed class HeldSpan(CallRecord call, ContentParts content, string? scope)
    {
        public CallRecord Call { get; } = call;

        public string? Scope { get; } = scope;

        public ContentParts Content { get; } = content;

        public ITimer? Timer { get; set; }

        public TaskCompletionSource<CallRecord> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release(CallRecord merged)
        {
            Timer?.Dispose();
            Completion.TrySetResult(merged);
        }
    }

    private sealed class HeldSpanTimeout(LogContentJoin join, string id)
    {
        public void Fire() => join.TimedOut(id);
    }
}

/// <summary>What became of the log records of one request.</summary>
public sealed class LogJoinCounts
{
    /// <summary>Content added to a span that was waiting for it.</summary>
    public int Joined { get; set; }

    /// <summary>Content waiting for its span.</summary>
    public int Pending { get; set; }

    /// <summary>Content for a call already stored: not joined.</summary>
    public int Late { get; set; }

    /// <summary>Log records that are not GenAI content events (application logs): accepted and not kept.</summary>
    public int NotContent { get; set; }

    /// <summary>GenAI content events without a trace and span id: nothing to join them to.</summary>
    public int Unjoinable { get; set; }
}
