namespace Quell.Scanning.Injection;

/// <summary>
/// Watches the stream of scanned inputs per tenant and raises an <see cref="InjectionCampaign"/> when flagged inputs
/// burst above the tenant's baseline. Time comes only from the observations, so replay and live use behave alike.
/// Not thread-safe: one detector per consumer.
/// </summary>
public sealed class InjectionCampaignDetector
{
    private readonly InjectionCampaignOptions _options;
    private readonly Dictionary<string, TenantState> _tenants = new(StringComparer.Ordinal);

    public InjectionCampaignDetector(InjectionCampaignOptions? options = null)
    {
        _options = options ?? new InjectionCampaignOptions();
        if (_options.Window <= TimeSpan.Zero || _options.BaselineHorizon <= _options.Window)
        {
            throw new ArgumentException("Window must be positive and shorter than BaselineHorizon.", nameof(options));
        }
    }

    /// <summary>Records one observation; returns a campaign when this observation makes the tenant's window anomalous.</summary>
    public InjectionCampaign? Observe(InjectionObservation observation)
    {
        var tenantKey = observation.Tenant ?? string.Empty;
        if (!_tenants.TryGetValue(tenantKey, out var state))
        {
            state = new TenantState();
            _tenants.Add(tenantKey, state);
        }

        var now = observation.Timestamp;
        state.Evict(now, _options);
        state.Inputs.Add(now);
        if (!observation.Flagged)
        {
            return null;
        }

        var user = observation.User ?? string.Empty;
        state.Flagged.Enqueue((now, user));
        state.FlaggedByUser[user] = state.FlaggedByUser.GetValueOrDefault(user) + 1;
        state.RecentFlagged.Enqueue(now);
        if (now < state.QuietUntil)
        {
            return null;
        }

        var campaign = Evaluate(tenantKey, state, now, user);
        if (campaign is not null)
        {
            // One campaign per window: the alerting side groups repeats, but a page per input would be noise.
            state.QuietUntil = now + _options.Window;
        }

        return campaign;
    }

    private InjectionCampaign? Evaluate(string tenant, TenantState state, DateTimeOffset now, string user)
    {
        var flagged = state.Flagged.Count;
        var windowsInBaseline = (_options.BaselineHorizon - _options.Window) / _options.Window;
        var baselineCount = state.BaselineFlagged.Count;
        var baseline = baselineCount / windowsInBaseline;
        var users = state.FlaggedByUser.Where(u => u.Value > 0).Select(u => u.Key).Order(StringComparer.Ordinal).ToArray();
        var windowStart = now - _options.Window;
        if (flagged >= _options.MinFlagged && users.Length >= _options.MinDistinctUsers && flagged >= _options.MinRatioToBaseline * Math.Max(baseline, _options.BaselineFloor))
        {
            return new InjectionCampaign(tenant, CampaignReason.ManyUsers, windowStart, now, flagged, state.Inputs.Total, users, Math.Round(baseline, 3));
        }

        if (state.FlaggedByUser.GetValueOrDefault(user) >= _options.SingleUserMinFlagged)
        {
            return new InjectionCampaign(tenant, CampaignReason.SingleUser, windowStart, now, state.FlaggedByUser[user], state.Inputs.Total, [user], Math.Round(baseline, 3));
        }

        return null;
    }

    private sealed class TenantState
    {
        public MinuteCounter Inputs { get; } = new();

        public Queue<(DateTimeOffset At, string User)> Flagged { get; } = new();

        public Dictionary<string, int> FlaggedByUser { get; } = new(StringComparer.Ordinal);

        /// <summary>All flagged timestamps within the baseline horizon, window included; the baseline is read from the older part.</summary>
        public Queue<DateTimeOffset> RecentFlagged { get; } = new();

        public Queue<DateTimeOffset> BaselineFlagged { get; } = new();

        public DateTimeOffset QuietUntil { get; set; } = DateTimeOffset.MinValue;

        public void Evict(DateTimeOffset now, InjectionCampaignOptions options)
        {
            var windowStart = now - options.Window;
            Inputs.Evict(windowStart);

            while (Flagged.Count > 0 && Flagged.Peek().At <= windowStart)
            {
                var (_, user) = Flagged.Dequeue();
                FlaggedByUser[user]--;
                if (FlaggedByUser[user] == 0)
                {
                    FlaggedByUser.Remove(user);
                }
            }

            // Flagged inputs leaving the window join the baseline until they fall off the horizon.
            while (RecentFlagged.Count > 0 && RecentFlagged.Peek() <= windowStart)
            {
                BaselineFlagged.Enqueue(RecentFlagged.Dequeue());
            }

            var horizonStart = now - options.BaselineHorizon;
            while (BaselineFlagged.Count > 0 && BaselineFlagged.Peek() <= horizonStart)
            {
                BaselineFlagged.Dequeue();
            }
        }
    }

    /// <summary>Counts all inputs in the window by the minute, so memory stays small however busy the tenant is.</summary>
    private sealed class MinuteCounter
    {
        private readonly Queue<(DateTimeOffset Minute, int Count)> _closed = new();
        private DateTimeOffset _minute = DateTimeOffset.MinValue;
        private int _count;

        public int Total { get; private set; }

        public void Add(DateTimeOffset at)
        {
            var minute = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
            if (minute != _minute)
            {
                if (_count > 0)
                {
                    _closed.Enqueue((_minute, _count));
                }

                _minute = minute;
                _count = 0;
            }

            _count++;
            Total++;
        }

        public void Evict(DateTimeOffset windowStart)
        {
            while (_closed.Count > 0 && _closed.Peek().Minute.AddMinutes(1) <= windowStart)
            {
                Total -= _closed.Dequeue().Count;
            }

            if (_count > 0 && _minute.AddMinutes(1) <= windowStart)
            {
                Total -= _count;
                _count = 0;
            }
        }
    }
}
