using Quell.Detection.Statistics;

namespace Quell.Detection.Detectors;

/// <summary>
/// Catches a slow decline of a "good outcome" rate over about two weeks, which the SPRT's adaptive baseline would
/// absorb: daily aggregates are compared with a reference rate by a one-sided CUSUM on binomial z-scores, and a
/// negative Theil–Sen slope over the horizon confirms that it is a trend.
/// </summary>
public sealed class SlowDriftDetector
{
    private readonly DriftRules _rules;
    private readonly Queue<(long Day, double Rate)> _days = new();
    private long _currentDay = long.MinValue;
    private double _dayGood;
    private double _dayTotal;
    private double _referenceGood;
    private double _referenceTotal;
    private double _referenceRate = double.NaN;
    private int _referenceDays;
    private Cusum _cusum;
    private int _calmDays;
    private long _firedDay;
    private long _lastLookHour = long.MinValue;

    public SlowDriftDetector(DriftRules rules)
    {
        _rules = rules;
        _cusum = new Cusum(rules.CusumSlack, rules.CusumThreshold);
    }

    public bool IsFiring { get; private set; }
    public DateTimeOffset Onset { get; private set; }
    public double ReferenceRate => _referenceRate;

    /// <summary>Rate of the last complete day.</summary>
    public double LastDayRate { get; private set; } = double.NaN;

    /// <summary>Theil–Sen slope of daily rates over the horizon, per day.</summary>
    public double Slope { get; private set; }

    /// <summary>Counts one outcome; closes the previous day (and may decide) when a new UTC day starts.</summary>
    public DetectorVerdict Observe(DateTimeOffset at, bool good)
    {
        var verdict = AdvanceTo(at);
        _dayGood += good ? 1 : 0;
        _dayTotal++;
        return verdict;
    }

    /// <summary>Closes every day before the one containing <paramref name="now"/>.</summary>
    public DetectorVerdict AdvanceTo(DateTimeOffset now)
    {
        var day = DayOf(now);
        if (_currentDay == long.MinValue)
        {
            _currentDay = day;
            return DetectorVerdict.None;
        }

        var verdict = DetectorVerdict.None;
        while (_currentDay < day)
        {
            var v = CloseDay();
            if (v != DetectorVerdict.None)
            {
                verdict = v;
            }

            _currentDay++;
            (_dayGood, _dayTotal) = (0, 0);

            // Skip empty stretches quickly; nothing to close there.
            if (day - _currentDay > _rules.HorizonDays)
            {
                _currentDay = day - _rules.HorizonDays;
            }
        }

        if (verdict == DetectorVerdict.None)
        {
            verdict = LookAtPartialDay(now);
        }

        return verdict;
    }

    // Once an hour, test the day so far as if it were closing now. Only a firing decision is kept: the day's
    // evidence is committed to the CUSUM when the day really closes. This takes up to a day off the delay.
    private DetectorVerdict LookAtPartialDay(DateTimeOffset now)
    {
        var hour = now.ToUnixTimeSeconds() / 3600;
        if (hour == _lastLookHour || IsFiring || _referenceDays < _rules.ReferenceDays || _dayTotal < _rules.MinDailySamples)
        {
            return DetectorVerdict.None;
        }

        _lastLookHour = hour;
        var rate = _dayGood / _dayTotal;
        var z = (_referenceRate - rate) / StdError(_dayTotal);
        var tentative = Math.Max(0, _cusum.Upper + z - _rules.CusumSlack);
        if (tentative <= _rules.CusumThreshold)
        {
            return DetectorVerdict.None;
        }

        var elapsed = (now - StartOf(_currentDay)).TotalDays;
        var slope = ComputeSlope(_currentDay + (elapsed / 2), rate);
        if (slope > -_rules.MinSlopePerDay)
        {
            return DetectorVerdict.None;
        }

        Slope = slope;
        LastDayRate = rate;
        IsFiring = true;
        Onset = _cusum.Upper > 0 ? _cusum.UpperOnset : StartOf(_currentDay);
        _firedDay = _currentDay;
        _calmDays = 0;
        return DetectorVerdict.Fire;
    }

    private double StdError(double n)
    {
        // The reference is itself an estimate from about ReferenceDays days; count its error too.
        var variance = _referenceRate * (1 - _referenceRate);
        return Math.Max(_rules.MinDailyStdError, Math.Sqrt((variance / n) + (variance / _referenceTotal)));
    }

    private DetectorVerdict CloseDay()
    {
        if (_dayTotal < _rules.MinDailySamples)
        {
            return DetectorVerdict.None;
        }

        var rate = _dayGood / _dayTotal;
        LastDayRate = rate;
        _days.Enqueue((_currentDay, rate));
        while (_days.Count > 0 && _days.Peek().Day <= _currentDay - _rules.HorizonDays)
        {
            _days.Dequeue();
        }

        if (_referenceDays < _rules.ReferenceDays)
        {
            _referenceGood += _dayGood;
            _referenceTotal += _dayTotal;
            _referenceDays++;
            _referenceRate = _referenceGood / _referenceTotal;
            return DetectorVerdict.None;
        }

        var stdError = StdError(_dayTotal);
        var z = (_referenceRate - rate) / stdError;
        Slope = ComputeSlope();
        var at = StartOf(_currentDay);

        if (IsFiring)
        {
            _calmDays = z <= _rules.CusumSlack ? _calmDays + 1 : 0;
            if (_calmDays >= 2 || _currentDay - _firedDay >= _rules.HorizonDays)
            {
                IsFiring = false;
                _cusum.Reset();
                ResetReference(rate);
                return DetectorVerdict.Resolve;
            }

            return DetectorVerdict.None;
        }

        // Only the "worse" side matters; z is positive when the rate fell below the reference.
        _cusum.Update(z, at);
        if (_cusum.Upper > _rules.CusumThreshold && Slope <= -_rules.MinSlopePerDay)
        {
            IsFiring = true;
            Onset = _cusum.UpperOnset;
            _firedDay = _currentDay;
            _calmDays = 0;
            return DetectorVerdict.Fire;
        }

        // Let the reference follow slowly (two-week memory). Clipping is symmetric so that, unlike learning only
        // from "quiet" days, it does not bias the reference upwards.
        _referenceRate += Math.Clamp(rate - _referenceRate, -2 * stdError, 2 * stdError) / _rules.HorizonDays;

        return DetectorVerdict.None;
    }

    private void ResetReference(double rate) => _referenceRate = rate;

    private double ComputeSlope(double extraX = double.NaN, double extraY = double.NaN)
    {
        var extra = double.IsNaN(extraX) ? 0 : 1;
        var n = _days.Count + extra;
        if (n < 3)
        {
            return 0;
        }

        Span<double> x = stackalloc double[n];
        Span<double> y = stackalloc double[n];
        var i = 0;
        foreach (var (day, rate) in _days)
        {
            x[i] = day;
            y[i] = rate;
            i++;
        }

        if (extra == 1)
        {
            (x[i], y[i]) = (extraX, extraY);
        }

        return TrendStatistics.TheilSenSlope(x, y);
    }

    private static long DayOf(DateTimeOffset at) => (long)Math.Floor(at.ToUnixTimeSeconds() / 86400.0);

    private static DateTimeOffset StartOf(long day) => DateTimeOffset.FromUnixTimeSeconds(day * 86400);
}
