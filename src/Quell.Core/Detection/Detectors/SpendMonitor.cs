using Quell.Detection.Statistics;

namespace Quell.Detection.Detectors;

/// <summary>A budget breach (or projected breach) for one tenant or feature.</summary>
public sealed record SpendFinding(DetectorVerdict Verdict, string Dimension, string Value, double SpentUsd, double ProjectedUsd, double BudgetUsd, DateTimeOffset Onset);

/// <summary>
/// Daily spend per tenant and per feature against the budgets users set (UTC days). Fires when the budget is
/// spent, or earlier when the last hour's rate would exhaust it before midnight. Only budgeted keys keep state.
/// </summary>
public sealed class SpendMonitor
{
    private readonly CostRules _rules;
    private readonly Dictionary<(string Dimension, string Value), Account> _accounts = [];

    public SpendMonitor(DetectionRules rules)
    {
        _rules = rules.Cost;
        foreach (var (tenant, budget) in rules.Cost.DailyBudgetUsdByTenant)
        {
            _accounts[("tenant", tenant)] = new Account(budget);
        }

        foreach (var (feature, featureRules) in rules.Features)
        {
            if (featureRules.DailyBudgetUsd is double budget)
            {
                _accounts[("feature", feature)] = new Account(budget);
            }
        }
    }

    public bool IsEmpty => _accounts.Count == 0;

    public void Record(string? tenant, string? feature, double costUsd, DateTimeOffset at)
    {
        if (tenant is not null && _accounts.TryGetValue(("tenant", tenant), out var t))
        {
            t.Add(costUsd, at);
        }

        if (feature is not null && _accounts.TryGetValue(("feature", feature), out var f))
        {
            f.Add(costUsd, at);
        }
    }

    public void Evaluate(DateTimeOffset now, List<SpendFinding> findings)
    {
        foreach (var ((dimension, value), account) in _accounts)
        {
            var verdict = account.Evaluate(now, _rules);
            if (verdict != DetectorVerdict.None)
            {
                findings.Add(new SpendFinding(verdict, dimension, value, account.SpentToday, account.Projected, account.Budget, account.Onset));
            }
        }
    }

    private sealed class Account(double budget)
    {
        private readonly WindowedSums _lastHour = new(1, [59]);
        private long _day = long.MinValue;

        public double Budget { get; } = budget;
        public double SpentToday { get; private set; }
        public double Projected { get; private set; }
        public bool IsFiring { get; private set; }
        public DateTimeOffset Onset { get; private set; }

        public void Add(double cost, DateTimeOffset at)
        {
            // A call of a day already closed (history loaded late, a stream replayed out of order) belongs to that
            // day: it must not count against today's budget.
            if (at.ToUnixTimeSeconds() / 86400 < _day)
            {
                return;
            }

            Roll(at);
            SpentToday += cost;
            if (at.ToUnixTimeSeconds() / 60 > _lastHour.CurrentBucket - 60)
            {
                _lastHour.Add(0, cost);
            }
        }

        public DetectorVerdict Evaluate(DateTimeOffset now, CostRules rules)
        {
            var newDay = Roll(now);
            if (IsFiring && newDay)
            {
                IsFiring = false;
                return DetectorVerdict.Resolve;
            }

            var remainingHours = (86400 - (now.ToUnixTimeSeconds() % 86400)) / 3600.0;
            Projected = SpentToday + (_lastHour.Sum(0, 0) * remainingHours);
            var breached = SpentToday >= Budget
                || (rules.AlertOnProjectedOverrun && SpentToday >= rules.ProjectionMinSpentFraction * Budget && Projected > Budget);
            if (breached && !IsFiring)
            {
                IsFiring = true;
                Onset = now;
                return DetectorVerdict.Fire;
            }

            return DetectorVerdict.None;
        }

        private bool Roll(DateTimeOffset at)
        {
            _lastHour.AdvanceTo(at.ToUnixTimeSeconds() / 60);
            var day = at.ToUnixTimeSeconds() / 86400;
            if (day <= _day)
            {
                return false;
            }

            var changed = _day != long.MinValue;
            _day = day;
            SpentToday = 0;
            return changed;
        }
    }
}
