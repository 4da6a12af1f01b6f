namespace Quell.Detection.Statistics;

/// <summary>What a point of a series looks like to the <see cref="StreamingChangeDetector"/>.</summary>
public enum ChangeKind
{
    None,

    /// <summary>One point far outside the prediction; the model does not learn from it.</summary>
    Spike,

    /// <summary>Sustained evidence (CUSUM) that the level moved.</summary>
    LevelShift,
}

/// <summary>The detector's verdict on one point.</summary>
/// <param name="Score">Calibrated anomaly score in 0..1: 1 − 2^(−e), e = evidence as a multiple of the alert threshold (0.5 = exactly at it).</param>
/// <param name="Z">Standardised residual against the prediction.</param>
/// <param name="Expected">The prediction (level + trend + seasonal offset).</param>
/// <param name="Scale">Robust noise scale used for <paramref name="Z"/>.</param>
/// <param name="Kind">Spike, level shift or nothing remarkable.</param>
/// <param name="Onset">True on the point that opens an anomalous episode (the alert).</param>
/// <param name="InEpisode">True while an episode is open (including its onset point).</param>
/// <param name="ChangeAt">For a level shift: the point where the CUSUM last left zero (the change-point estimate).</param>
public readonly record struct ChangeStep(double Score, double Z, double Expected, double Scale, ChangeKind Kind, bool Onset, bool InEpisode, DateTimeOffset ChangeAt);

/// <summary>
/// Quell's one streaming change/anomaly detector, used for every production series (latency quantiles, cost and
/// tokens per call, through <see cref="Detectors.ShiftDetector"/>) and for <c>quell backtest</c> on a single CSV series.
/// A robust additive model (level, optional damped trend, seasonal offsets by phase; Huber-clipped updates) predicts
/// each point; a spike is one point beyond a fixed tail probability, a level shift is a two-sided CUSUM crossing on
/// clipped z-scores (Page 1954), and a trend is part of the model, so a steady slope raises nothing. Each anomalous
/// episode has exactly one onset and stays open until the series is explained again for a few points.
/// </summary>
/// <remarks>Deterministic, allocation-free per point; not thread-safe.</remarks>
public sealed class StreamingChangeDetector
{
    // Mean absolute deviation × √(π/2) estimates σ for normal data.
    private const double AbsDeviationToSigma = 1.2533;
    private const int RecentSize = 16;

    private readonly ChangeDetectorOptions _o;
    private readonly double _spikeZ;
    private readonly double _spikeEvidence;
    private readonly double[] _recent = new double[RecentSize];
    private double[] _season = [];
    private int[] _seasonCount = [];
    private RobustEwma[] _profile = [];
    private RobustEwma _global;
    private double _level;
    private double _trend;
    private double _meanAbsDeviation;
    private long _scaleCount;
    private long _count;
    private Cusum _cusum;
    private (double Min, int Since, DateTimeOffset ChangeAt) _up;
    private (double Min, int Since, DateTimeOffset ChangeAt) _down;
    private int _calm;

    public StreamingChangeDetector(ChangeDetectorOptions? options = null, int phases = 0)
    {
        _o = options ?? new ChangeDetectorOptions();
        _cusum = new Cusum(_o.CusumSlack, _o.CusumThreshold);
        _spikeZ = NormalTail.TwoSidedQuantile(_o.SpikeTailProbability);
        _spikeEvidence = -Math.Log(_o.SpikeTailProbability);
        SetPhases(phases);
    }

    public ChangeDetectorOptions Options => _o;

    /// <summary>Points observed so far (including warm-up).</summary>
    public long Count => _count;

    public bool IsWarm => _count >= _o.WarmupPoints;

    public bool InEpisode { get; private set; }

    /// <summary>A floor on the noise scale the caller maintains (e.g. half the quantum of a quantised series).</summary>
    public double ScaleFloor { get; set; }

    /// <summary>Number of seasonal phases (0 = none).</summary>
    public int Phases => _season.Length;

    /// <summary>|z| at which a single point is a spike.</summary>
    public double SpikeZ => _spikeZ;

    /// <summary>Robust σ of the residuals, before any floor.</summary>
    public double ResidualScale => _meanAbsDeviation * AbsDeviationToSigma;

    /// <summary>Upward CUSUM evidence, and the time it last left zero.</summary>
    public double UpperEvidence => _cusum.Upper;

    /// <summary>
    /// The upward change-point estimate: the first point after the last minimum of the CUSUM path (for a known shift
    /// size the maximum-likelihood change point), which noise before the change cannot drag earlier.
    /// </summary>
    public DateTimeOffset UpperOnset => _up.ChangeAt;

    /// <summary>Points since <see cref="UpperOnset"/> (0 when the upward evidence is at its minimum).</summary>
    public int PointsSinceUpperOnset => _up.Since;

    /// <summary>Seeds the seasonal offsets (e.g. from a classical decomposition of the warm-up) and starts learning again.</summary>
    public void SeedSeason(ReadOnlySpan<double> offsets)
    {
        Reset();
        SetPhases(offsets.Length);
        offsets.CopyTo(_season);
        Array.Fill(_seasonCount, _o.MinPhaseSamples);
    }

    /// <summary>Starts the model again with <paramref name="phases"/> seasonal offsets (0 = none).</summary>
    public void SetPhases(int phases)
    {
        _season = new double[Math.Max(0, phases)];
        _seasonCount = new int[_season.Length];
        _profile = _o.Seasonal == SeasonalModel.Profile ? new RobustEwma[_season.Length] : [];
    }

    /// <summary>Forgets everything learned (used to replay a warm-up once its cycle is known).</summary>
    public void Reset()
    {
        Array.Clear(_season);
        Array.Clear(_seasonCount);
        Array.Clear(_profile);
        _global = default;
        (_level, _trend, _meanAbsDeviation, _scaleCount, _count, _calm) = (0, 0, 0, 0, 0, 0);
        (_up, _down) = (default, default);
        _cusum.Reset();
        InEpisode = false;
    }

    /// <summary>Prediction and noise scale at <paramref name="phase"/>, with the scale floor applied.</summary>
    public (double Expected, double Scale) Expected(int phase) => (Predict(phase), EffectiveScale());

    /// <summary>Scores the next point; <paramref name="phase"/> picks the seasonal offset; non-finite values score 0.</summary>
    public ChangeStep Observe(double x, int phase, DateTimeOffset at, bool learn = true)
    {
        if (!double.IsFinite(x))
        {
            return default;
        }

        if (_count == 0)
        {
            Remember(0);
            _count = 1;
            _level = x;
            Learn(x, 0, phase, double.MaxValue);
            return new ChangeStep(0, 0, x, 0, ChangeKind.None, false, false, at);
        }

        var expected = Predict(phase);
        var residual = x - expected;
        var scale = EffectiveScale();
        var z = scale > 0 ? residual / scale : 0;
        Remember(residual);
        if (!IsWarm)
        {
            _count++;
            Learn(x, residual, phase, _count <= 5 ? double.MaxValue : _o.Clip * scale);
            return new ChangeStep(0, z, expected, scale, ChangeKind.None, false, false, at);
        }

        _count++;
        var cz = Math.Clamp(z, -_o.CusumClip, _o.CusumClip);
        var direction = _cusum.Update(cz, at);
        Track(ref _up, _cusum.Upper, at);
        Track(ref _down, _cusum.Lower, at);
        var shift = direction == ChangeDirection.Up || (direction == ChangeDirection.Down && _o.Sides == ChangeSides.Both);
        var spike = _o.Sides == ChangeSides.Both ? Math.Abs(z) >= _spikeZ : z >= _spikeZ;
        var kind = shift ? ChangeKind.LevelShift : spike ? ChangeKind.Spike : ChangeKind.None;
        var changeAt = direction == ChangeDirection.Down ? _down.ChangeAt : _up.ChangeAt;
        var score = Score(z);

        var onset = kind != ChangeKind.None && !InEpisode;
        if (onset)
        {
            (InEpisode, _calm) = (true, 0);
        }
        else if (InEpisode)
        {
            _calm = kind == ChangeKind.None && Math.Abs(z) < _o.CalmZ ? _calm + 1 : 0;
            if (_calm >= _o.RecoveryPoints)
            {
                InEpisode = false;
            }
        }

        if (shift && _o.ReanchorOnShift)
        {
            Reanchor(direction == ChangeDirection.Down ? _down.Since : _up.Since);
        }
        else if (learn && (kind != ChangeKind.Spike || _o.LearnFromSpikes))
        {
            Learn(x, residual, phase, _o.Clip * scale);
        }

        return new ChangeStep(score, z, expected, scale, kind, onset, onset || InEpisode, changeAt);
    }

    /// <summary>Learns a point without testing it (a caller that holds its own episode, e.g. while an alert is open).</summary>
    public void Learn(double x, int phase)
    {
        if (!double.IsFinite(x))
        {
            return;
        }

        var residual = x - Predict(phase);
        Remember(residual);
        _count++;
        Learn(x, residual, phase, _count <= 5 ? double.MaxValue : _o.Clip * EffectiveScale());
    }

    /// <summary>Moves the level by <paramref name="delta"/>: the series has settled at a new level.</summary>
    public void Shift(double delta)
    {
        _level += delta;
        _global.Shift(delta);
        for (var i = 0; i < _profile.Length; i++)
        {
            _profile[i].Shift(delta);
        }
    }

    /// <summary>Ends the current episode and clears the change evidence (the caller decided the series recovered).</summary>
    public void EndEpisode()
    {
        InEpisode = false;
        _calm = 0;
        _cusum.Reset();
        (_up, _down) = (default, default);
    }

    // Follows the minimum of one side's CUSUM path: points after it are the ones the change explains.
    private static void Track(ref (double Min, int Since, DateTimeOffset ChangeAt) side, double evidence, DateTimeOffset at)
    {
        if (evidence <= side.Min || evidence <= 0)
        {
            side = (evidence, 0, at);
            return;
        }

        side = side.Since == 0 ? (side.Min, 1, at) : (side.Min, side.Since + 1, side.ChangeAt);
    }

    /// <summary>Calibrated score of a residual of <paramref name="z"/> σ given the current CUSUM evidence.</summary>
    private double Score(double z)
    {
        var spikeEvidence = NormalTail.TwoSidedLogTail(Math.Abs(z)) / _spikeEvidence;
        var shiftEvidence = Math.Max(_cusum.Upper, _o.Sides == ChangeSides.Both ? _cusum.Lower : 0) / _o.CusumThreshold;
        var e = Math.Max(spikeEvidence, shiftEvidence);
        return 1 - Math.Pow(2, -e);
    }

    private void Learn(double x, double residual, int phase, double clip)
    {
        var clipped = Math.Clamp(residual, -clip, clip);
        var a = Math.Max(_o.LevelAlpha, 1.0 / _count);
        var hasPhase = _season.Length > 0;
        var p = hasPhase ? Mod(phase, _season.Length) : 0;
        bool phaseKnown;
        if (_profile.Length > 0)
        {
            // A profile: every phase keeps its own robust centre, the global one stands in until it has enough data.
            var floor = Math.Max(_o.MinScale, ScaleFloor);
            _global.Update(x, _o.LevelAlpha, _o.Clip, floor);
            if (_profile[p].Count == 0 && _global.Count >= _o.MinPhaseSamples && _scaleCount >= _o.MinPhaseSamples)
            {
                // A phase seen for the first time (the next hour of the day) starts from the global level and learns
                // its own at the phase rate, with clipping: its first points cannot define it, so a change that
                // happens to straddle the hour is still tested against what came before.
                _profile[p].Seed(_global, _o.MinPhaseSamples);
            }

            phaseKnown = _profile[p].Count >= _o.MinPhaseSamples;
            _profile[p].Update(x, _o.SeasonGamma, _o.Clip, floor);
            _level = _global.Center;
        }
        else
        {
            if (hasPhase)
            {
                // The level takes its share of the residual; the phase's offset learns the rest, so a cycle ends up
                // in the offsets and not in the level.
                var g = Math.Max(_o.SeasonGamma, 1.0 / (_seasonCount[p] + 1));
                _season[p] += g * (1 - a) * clipped;
                _seasonCount[p]++;
            }

            _level += _trend + (a * clipped);
            _trend += a * _o.TrendBeta * clipped;
            phaseKnown = !hasPhase || _seasonCount[p] > _o.MinPhaseSamples;
        }

        // The noise scale learns only from residuals the model could have predicted (a phase it has seen).
        if (phaseKnown)
        {
            _scaleCount++;
            var sa = Math.Max(_o.ScaleAlpha, 1.0 / _scaleCount);
            _meanAbsDeviation += sa * (Math.Abs(clipped) - _meanAbsDeviation);
        }
    }

    // A level shift: move the model by the median residual since the estimated change; the slope is kept but damped.
    private void Reanchor(int since)
    {
        var n = (int)Math.Clamp(since, 1, Math.Min(RecentSize, _count));
        Span<double> recent = stackalloc double[n];
        for (var i = 0; i < n; i++)
        {
            recent[i] = _recent[(int)((_count - 1 - i) % RecentSize)];
        }

        recent.Sort();
        Shift(n % 2 == 1 ? recent[n / 2] : (recent[(n / 2) - 1] + recent[n / 2]) / 2);
        _trend *= 0.5;
        _cusum.Reset();
        (_up, _down) = (default, default);
    }

    private double Predict(int phase)
    {
        if (_profile.Length > 0)
        {
            ref readonly var slot = ref _profile[Mod(phase, _profile.Length)];
            return slot.Count >= _o.MinPhaseSamples ? slot.Center : _global.Center;
        }

        return _level + _trend + SeasonAt(phase);
    }

    private void Remember(double residual) => _recent[(int)(_count % RecentSize)] = residual;

    private double SeasonAt(int phase)
    {
        if (_season.Length == 0)
        {
            return 0;
        }

        var p = Mod(phase, _season.Length);
        return _seasonCount[p] >= _o.MinPhaseSamples ? _season[p] : 0;
    }

    private double EffectiveScale()
    {
        // Few residuals give an optimistic spread; widen it as a Student-t would (≈ 1 + 2/n).
        var raw = ResidualScale * (1 + (2.0 / Math.Max(1, _scaleCount)));
        if (_profile.Length > 0 && _scaleCount < _o.MinPhaseSamples)
        {
            // No phase has enough data yet: the global spread (cycle included) is the honest, if wide, guess.
            raw = Math.Max(raw, _global.Scale);
        }

        return Math.Max(Math.Max(raw, ScaleFloor), Math.Max(_o.MinScale, _o.MinRelativeScale * Math.Abs(_level)));
    }

    private static int Mod(int a, int n) => ((a % n) + n) % n;
}
