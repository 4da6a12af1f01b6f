using Quell.Calls;
using Quell.Detection.Statistics;

namespace Quell.Detection.Detectors;

/// <summary>
/// Multiwindow, multi-burn-rate error-budget alerts (Google SRE workbook ch. 5): fires when both the long and the
/// short window of any pair burn the budget faster than the pair's rate, e.g. 14.4× over 1 h and 5 min.
/// The long window makes it significant, the short one makes it current so the alert resets quickly. A fast tier —
/// Page's CUSUM of the per-call Bernoulli log-likelihood ratio, budget rate against <see cref="ErrorRules.FastBurnRate"/>
/// times it — pages a big burst within a few dozen calls; it needs the shortest window to burn at that rate too.
/// </summary>
public sealed class BurnRateMonitor
{
    private const int Total = 0;
    private const int Errors = 1;
    private static readonly string[] ErrorKinds = [ErrorTypes.RateLimited, ErrorTypes.ServerError, ErrorTypes.Timeout, ErrorTypes.ContentFilter, ErrorTypes.Other];

    private readonly ErrorRules _rules;
    private readonly double _budget;
    private readonly WindowedSums _sums;
    private readonly int[] _windowIndex;
    private readonly int _shortestMinutes;
    private DateTimeOffset? _recoveringSince;
    private DateTimeOffset? _elevatedSince;
    private readonly double _fastError;
    private readonly double _fastOk;
    private double _fastSum;
    private DateTimeOffset _fastOnset;

    public BurnRateMonitor(ErrorRules rules, double sloTarget)
    {
        _rules = rules;
        _budget = Math.Max(1e-6, 1 - sloTarget);
        _shortestMinutes = rules.Windows.Min(w => w.ShortMinutes);
        var lengths = rules.Windows.SelectMany(w => new[] { w.LongMinutes, w.ShortMinutes }).Distinct().Order().ToList();
        _windowIndex = [.. rules.Windows.SelectMany(w => new[] { lengths.IndexOf(w.LongMinutes), lengths.IndexOf(w.ShortMinutes) })];

        // A window of N minutes is the N−1 closed minute buckets plus the open one.
        _sums = new WindowedSums(2 + ErrorKinds.Length, [.. lengths.Select(l => Math.Max(1, l - 1))]);
        if (rules.FastBurnRate is double fast)
        {
            var p1 = Math.Min(0.999, fast * _budget);
            _fastError = Math.Log(p1 / _budget);
            _fastOk = Math.Log((1 - p1) / (1 - _budget));
        }
    }

    /// <summary>Whether the current (or last) alert was opened by the fast tier.</summary>
    public bool FiredByFastTier { get; private set; }

    public bool IsFiring { get; private set; }
    public DateTimeOffset Onset { get; private set; }

    /// <summary>Error rate of the short window of the pair that fired (or the first pair).</summary>
    public double ObservedErrorRate { get; private set; }

    /// <summary>Allowed error rate: 1 − SLO target.</summary>
    public double Budget => _budget;

    /// <summary>Burn rate of the firing pair's short window.</summary>
    public double BurnRate { get; private set; }

    /// <summary>Most frequent error type in the shortest window.</summary>
    public string DominantErrorType { get; private set; } = ErrorTypes.Other;

    /// <summary>Counts a call at <paramref name="at"/>; <paramref name="errorType"/> is a normalised error type or null for success.</summary>
    public void Record(DateTimeOffset at, bool isError, string? errorType)
    {
        if (_fastError > 0)
        {
            if (_fastSum <= 0)
            {
                _fastOnset = at;
            }

            _fastSum = Math.Max(0, _fastSum + (isError ? _fastError : _fastOk));
        }

        Record(at.ToUnixTimeSeconds() / 60, isError, errorType);
    }

    /// <summary>Counts a call; <paramref name="errorType"/> is a normalised error type or null for success.</summary>
    public void Record(long minute, bool isError, string? errorType)
    {
        _sums.AdvanceTo(minute);
        _sums.Add(Total, 1);
        if (isError)
        {
            _sums.Add(Errors, 1);
            _sums.Add(2 + KindIndex(errorType), 1);
        }
    }

    /// <summary>Evaluates all window pairs at <paramref name="now"/> (call once per evaluation tick).</summary>
    public DetectorVerdict Evaluate(DateTimeOffset now)
    {
        _sums.AdvanceTo(now.ToUnixTimeSeconds() / 60);
        TrackElevation(now);
        var (any, rate, burn) = (false, 0.0, 0.0);
        for (var p = 0; p < _rules.Windows.Count; p++)
        {
            var pair = _rules.Windows[p];
            var longRate = Rate(_windowIndex[2 * p], out _);
            var shortRate = Rate(_windowIndex[(2 * p) + 1], out var shortCalls);
            var threshold = pair.BurnRate * _budget;
            if (shortCalls >= _rules.MinCallsShortWindow && longRate >= threshold && shortRate >= threshold)
            {
                (any, rate, burn) = (true, shortRate, shortRate / _budget);
                break;
            }
        }

        // The fast tier holds while the shortest window burns at its rate; it opens only on decisive evidence.
        var fastRate = Rate(0, out var fastCalls);
        var fastHolds = _fastError > 0 && fastCalls >= _rules.MinCallsShortWindow && fastRate >= _rules.FastBurnRate * _budget;
        if (!IsFiring)
        {
            var fastFires = fastHolds && _fastSum >= _rules.FastThreshold;
            if (!any && !fastFires)
            {
                return DetectorVerdict.None;
            }

            IsFiring = true;
            FiredByFastTier = !any;
            _recoveringSince = null;
            (ObservedErrorRate, BurnRate) = any ? (rate, burn) : (fastRate, fastRate / _budget);
            DominantErrorType = FindDominantType();
            Onset = any ? EstimateOnset(now) : Min(_fastOnset, EstimateOnset(now));
            _fastSum = 0;
            return DetectorVerdict.Fire;
        }

        if (any || fastHolds)
        {
            _recoveringSince = null;
            return DetectorVerdict.None;
        }

        _recoveringSince ??= now;
        if (now - _recoveringSince.Value < TimeSpan.FromMinutes(_rules.RecoveryMinutes))
        {
            return DetectorVerdict.None;
        }

        IsFiring = false;
        _fastSum = 0;
        return DetectorVerdict.Resolve;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private double Rate(int window, out double calls)
    {
        calls = _sums.Sum(window, Total);
        return calls > 0 ? _sums.Sum(window, Errors) / calls : 0;
    }

    // Onset: when the shortest window first burned above the gentlest threshold without dropping back, minus
    // that window's length (the errors were already in it).
    private void TrackElevation(DateTimeOffset now)
    {
        var gentlest = _rules.Windows.Min(w => w.BurnRate) * _budget;
        var shortRate = Rate(0, out var calls);
        if (calls > 0 && shortRate >= gentlest)
        {
            _elevatedSince ??= now - TimeSpan.FromMinutes(_shortestMinutes);
        }
        else if (!IsFiring)
        {
            _elevatedSince = null;
        }
    }

    private DateTimeOffset EstimateOnset(DateTimeOffset now) => _elevatedSince ?? now - TimeSpan.FromMinutes(_shortestMinutes);

    private string FindDominantType()
    {
        var best = 0;
        for (var k = 1; k < ErrorKinds.Length; k++)
        {
            if (_sums.Sum(0, 2 + k) > _sums.Sum(0, 2 + best))
            {
                best = k;
            }
        }

        return ErrorKinds[best];
    }

    private static int KindIndex(string? errorType)
    {
        var i = Array.IndexOf(ErrorKinds, errorType);
        return i < 0 ? ErrorKinds.Length - 1 : i;
    }
}
