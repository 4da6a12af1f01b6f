using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Quell.Client;

/// <summary>What the enforcer decided for one call.</summary>
internal readonly record struct Admission(MitigationRefusal? Refusal, MitigationInfo? CannedFallback, string? ModelOverride, string? PinnedPromptVersion, BudgetReservation? Reservation, string? FallbackMitigationId)
{
    public bool Refused => Refusal is not null;
}

/// <summary>Money set aside for a call under a budget cap; settled with the real cost afterwards.</summary>
internal sealed class BudgetReservation(IReadOnlyList<BudgetLedger> ledgers, double amount)
{
    private int _settled;

    public void Settle(double actualCost)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            foreach (var l in ledgers)
            {
                l.Settle(amount, actualCost);
            }
        }
    }
}

/// <summary>Spend of one budget key on one UTC day: settled spend plus reservations of calls in flight.</summary>
internal sealed class BudgetLedger(DateOnly day)
{
    private readonly Lock _lock = new();
    private double _spent;
    private double _reserved;

    public DateOnly Day { get; } = day;

    public double Spent
    {
        get
        {
            lock (_lock)
            {
                return _spent;
            }
        }
    }

    public bool TryReserve(double amount, double cap)
    {
        lock (_lock)
        {
            if (_spent + _reserved + amount > cap + 1e-12)
            {
                return false;
            }

            _reserved += amount;
            return true;
        }
    }

    public void Release(double amount)
    {
        lock (_lock)
        {
            _reserved -= amount;
        }
    }

    public void Settle(double reserved, double actual)
    {
        lock (_lock)
        {
            _reserved -= reserved;
            _spent += actual;
        }
    }
}

/// <summary>
/// Applies the active mitigations to calls in the application's process: blocks and kill switches refuse, pins and
/// fallbacks reroute, token buckets, budget and loop caps count. Counters reserve before a call so concurrent
/// callers cannot overshoot a cap.
/// </summary>
internal sealed class MitigationEnforcer(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BudgetLedger> _budgets = new(StringComparer.Ordinal);
    private readonly TraceCounts _traces = new(TraceCounts.DefaultCapacity);
    private readonly ConcurrentDictionary<string, Regex?> _patterns = new(StringComparer.Ordinal);
    private MitigationSnapshot _snapshot = new();

    public MitigationSnapshot Snapshot => Volatile.Read(ref _snapshot);

    public void Apply(MitigationSnapshot snapshot)
    {
        Volatile.Write(ref _snapshot, snapshot);

        // Counters of mitigations that are gone are dropped so memory follows the active set.
        var live = snapshot.Mitigations.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _buckets.Keys.Concat(_budgets.Keys).Concat(_patterns.Keys))
        {
            if (!live.Contains(key.Split('|')[0]))
            {
                _buckets.TryRemove(key, out _);
                _budgets.TryRemove(key, out _);
                _patterns.TryRemove(key, out _);
            }
        }
    }

    public Admission Admit(in CallContext call, double estimatedCost)
    {
        var now = time.GetUtcNow();
        var active = Snapshot.Mitigations;
        var context = call;
        var covering = active.Where(m => (m.ExpiresAt is null || m.ExpiresAt > now) && m.Scope.Matches(context)).ToList();

        foreach (var m in covering.Where(m => m.Kind == "block"))
        {
            var pattern = m.Parameters.Pattern;
            if (pattern is null || (call.Input is not null && Pattern(m) is { } regex && regex.IsMatch(call.Input)))
            {
                return Refuse(m);
            }
        }

        if (covering.FirstOrDefault(m => m.Kind == "disable") is { } kill)
        {
            return Refuse(kill);
        }

        string? model = null;
        string? promptVersion = null;
        string? fallbackId = null;
        foreach (var m in covering)
        {
            if (m.Kind == "fallback")
            {
                if (m.Parameters.CannedAnswer is not null)
                {
                    return new Admission(null, m, null, null, null, m.Id);
                }

                model ??= m.Parameters.FallbackModel;
                fallbackId ??= m.Id;
            }
            else if (m.Kind == "rollback")
            {
                model ??= m.Parameters.Model;
                promptVersion ??= m.Parameters.PromptVersion;
            }
        }

        foreach (var m in covering.Where(m => m.Kind == "rate_limit"))
        {
            var key = m.Id + "|" + Key(m.Parameters.Per ?? "feature", call);
            var bucket = _buckets.GetOrAdd(key, _ => new TokenBucket(m.Parameters.RatePerSecond ?? 1, Math.Max(1, m.Parameters.Burst ?? (int)Math.Ceiling(m.Parameters.RatePerSecond ?? 1)), time.GetTimestamp()));
            if (!bucket.TryTake(time.GetTimestamp(), time.TimestampFrequency))
            {
                return Refuse(m);
            }
        }

        // Every call of a trace is counted, capped or not, so a cap set while a loop runs stops it at once
        // instead of granting it a fresh allowance.
        var counted = call.TraceId is { } trace ? _traces.Increment(trace) : 0;
        foreach (var m in covering.Where(m => m.Kind == "loop_cap" && context.TraceId is not null))
        {
            if (counted > (m.Parameters.MaxCallsPerTrace ?? int.MaxValue) || m.Parameters.StopTraces?.Contains(call.TraceId!, StringComparer.Ordinal) == true)
            {
                _traces.Decrement(call.TraceId!);
                return Refuse(m);
            }
        }

        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var ledgers = new List<BudgetLedger>();
        foreach (var m in covering.Where(m => m.Kind == "budget_cap"))
        {
            var key = m.Id + "|" + Key(m.Parameters.Per ?? "feature", call);
            var ledger = _budgets.AddOrUpdate(key, _ => new BudgetLedger(day), (_, l) => l.Day == day ? l : new BudgetLedger(day));
            if (!ledger.TryReserve(estimatedCost, m.Parameters.DailyUsd ?? double.MaxValue))
            {
                foreach (var l in ledgers)
                {
                    l.Release(estimatedCost);
                }

                if (call.TraceId is { } t)
                {
                    _traces.Decrement(t);
                }

                return Refuse(m);
            }

            ledgers.Add(ledger);
        }

        return new Admission(null, null, model, promptVersion, ledgers.Count > 0 ? new BudgetReservation(ledgers, estimatedCost) : null, fallbackId);
    }

    /// <summary>The prompt version a rollback pins for a feature, if any: applications pick their template by it.</summary>
    public string? PinnedPromptVersion(string feature) =>
        Snapshot.Mitigations.FirstOrDefault(m => m.Kind == "rollback" && m.Parameters.PromptVersion is not null && (m.Scope.Feature is null || m.Scope.Feature == feature))?.Parameters.PromptVersion;

    private Regex? Pattern(MitigationInfo m) => _patterns.GetOrAdd(m.Id, _ =>
    {
        try
        {
            return new Regex(m.Parameters.Pattern!, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return null;
        }
    });

    private static string Key(string per, in CallContext call) => per switch
    {
        "tenant" => "t:" + call.Tenant,
        "user" => "u:" + call.User,
        _ => "f:" + call.Feature,
    };

    private static Admission Refuse(MitigationInfo m) => new(new MitigationRefusal(m.Id, m.Kind, m.Reason, m.IncidentId), null, null, null, null, null);

}

/// <summary>
/// Calls made per trace, for loop caps. Bounded: when the current generation fills, it becomes the previous one and
/// the older is dropped, so memory stays at two generations while live traces keep their counts.
/// </summary>
internal sealed class TraceCounts(int capacity)
{
    /// <summary>Traces remembered per generation; an agent run lasts minutes, far fewer are live at once.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Lock _lock = new();
    private Dictionary<string, int> _current = new(StringComparer.Ordinal);
    private Dictionary<string, int> _previous = new(StringComparer.Ordinal);

    public int Increment(string trace)
    {
        lock (_lock)
        {
            if (!_current.TryGetValue(trace, out var n))
            {
                _previous.Remove(trace, out n);
                if (_current.Count >= capacity)
                {
                    _previous = _current;
                    _current = new Dictionary<string, int>(StringComparer.Ordinal);
                }
            }

            _current[trace] = ++n;
            return n;
        }
    }

    public void Decrement(string trace)
    {
        lock (_lock)
        {
            if (_current.TryGetValue(trace, out var n) && n > 0)
            {
                _current[trace] = n - 1;
            }
        }
    }
}

/// <summary>A token bucket on monotonic timestamps; lock-protected because refill and take must be one step.</summary>
internal sealed class TokenBucket(double ratePerSecond, int burst, long startTimestamp)
{
    private readonly Lock _lock = new();
    private double _tokens = burst;
    private long _last = startTimestamp;

    public bool TryTake(long nowTimestamp, long frequency)
    {
        lock (_lock)
        {
            var elapsed = (nowTimestamp - _last) / (double)frequency;
            if (elapsed > 0)
            {
                _tokens = Math.Min(burst, _tokens + (elapsed * ratePerSecond));
                _last = nowTimestamp;
            }

            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
