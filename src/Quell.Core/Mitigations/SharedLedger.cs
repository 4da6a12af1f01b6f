using System.Collections.Concurrent;

namespace Quell.Mitigations;

/// <summary>The answer to a reservation against a shared cap.</summary>
public readonly record struct LedgerGrant(bool Granted, string? ReservationId, double Used, double Cap);

/// <summary>
/// Budget and loop caps counted once for every gateway or client instance: a caller reserves before a model call
/// and settles with the real amount after, so concurrent instances cannot overshoot a cap by more than the error
/// of their in-flight estimates. Reservations that are never settled (the caller died) lapse after
/// <see cref="ReservationLifetime"/> and give their amount back.
/// </summary>
public sealed class SharedLedger(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    private long _lastSweepTicks;

    /// <summary>How long an unsettled reservation holds its amount. Default 15 minutes.</summary>
    public TimeSpan ReservationLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Most accounts kept; beyond it the oldest-used are dropped (loop caps open one per trace).</summary>
    public int MaxAccounts { get; init; } = 200_000;

    public int Accounts => _accounts.Count;

    /// <summary>Reserves <paramref name="amount"/> against <paramref name="cap"/> on the account <paramref name="account"/>.</summary>
    public LedgerGrant Reserve(string account, double amount, double cap)
    {
        var now = time.GetUtcNow();
        Sweep(now);
        var a = _accounts.GetOrAdd(account, _ => new Account());
        lock (a)
        {
            a.LastUsed = now;
            if (a.Spent + a.Reserved + amount > cap + 1e-12)
            {
                return new LedgerGrant(false, null, a.Spent + a.Reserved, cap);
            }

            a.Reserved += amount;
            var id = Guid.NewGuid().ToString("N");
            _reservations[id] = new Reservation(account, amount, now + ReservationLifetime);
            return new LedgerGrant(true, id, a.Spent + a.Reserved, cap);
        }
    }

    /// <summary>Replaces a reservation with what the call really used; false when it is unknown or already settled.</summary>
    public bool Settle(string reservationId, double actual)
    {
        if (!_reservations.TryRemove(reservationId, out var r))
        {
            return false;
        }

        if (_accounts.TryGetValue(r.Account, out var a))
        {
            lock (a)
            {
                a.Reserved -= r.Amount;
                a.Spent += Math.Max(0, actual);
            }
        }

        return true;
    }

    /// <summary>Settled plus reserved amount of an account.</summary>
    public double Used(string account)
    {
        if (!_accounts.TryGetValue(account, out var a))
        {
            return 0;
        }

        lock (a)
        {
            return a.Spent + a.Reserved;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        // At most one sweep a second: reservations lapse in minutes, so finer sweeping only costs the hot path.
        var last = Interlocked.Read(ref _lastSweepTicks);
        if (now.UtcTicks - last < TimeSpan.TicksPerSecond || Interlocked.CompareExchange(ref _lastSweepTicks, now.UtcTicks, last) != last)
        {
            return;
        }

        foreach (var (id, r) in _reservations)
        {
            if (r.Expires <= now && _reservations.TryRemove(id, out _) && _accounts.TryGetValue(r.Account, out var a))
            {
                lock (a)
                {
                    a.Reserved -= r.Amount;
                }
            }
        }

        if (_accounts.Count > MaxAccounts)
        {
            foreach (var (key, _) in _accounts.OrderBy(kv => kv.Value.LastUsed).Take(_accounts.Count - (MaxAccounts * 9 / 10)).ToList())
            {
                _accounts.TryRemove(key, out _);
            }
        }
    }

    private sealed class Account
    {
        public double Spent;
        public double Reserved;
        public DateTimeOffset LastUsed;
    }

    private sealed record Reservation(string Account, double Amount, DateTimeOffset Expires);
}
