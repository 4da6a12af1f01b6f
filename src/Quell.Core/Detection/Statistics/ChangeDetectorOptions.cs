namespace Quell.Detection.Statistics;

/// <summary>Which way a series may move for a change to count.</summary>
public enum ChangeSides
{
    Both,
    UpOnly,
}

/// <summary>How the seasonal part of the model is kept.</summary>
public enum SeasonalModel
{
    /// <summary>
    /// Offsets on a shared level and trend (additive Holt–Winters): for phases that are successive points of a cycle,
    /// each seen once per cycle (a CSV series whose period was detected).
    /// </summary>
    Offsets,

    /// <summary>
    /// A robust centre per phase, with a global one until a phase has enough updates (a seasonal profile): for clock
    /// phases seen many times each (hours of the day of a production series fed every few seconds).
    /// </summary>
    Profile,
}

/// <summary>
/// Settings of a <see cref="StreamingChangeDetector"/>. Defaults are the textbook choices (see docs/detection.md,
/// "One detector core"): Huber clipping at 3σ, a spike at a two-sided tail probability of 10⁻⁶ (|z| ≈ 4.9), a CUSUM for
/// a one-σ shift (k = ½) whose threshold of 8 nats keeps the in-control run length above e⁸ ≈ 3,000 points per side.
/// </summary>
public sealed record ChangeDetectorOptions
{
    /// <summary>Smoothing of the level per point.</summary>
    public double LevelAlpha { get; init; } = 0.15;

    /// <summary>Smoothing of the slope (as a fraction of the level's); 0 keeps the model flat (no trend term).</summary>
    public double TrendBeta { get; init; } = 0.05;

    public SeasonalModel Seasonal { get; init; } = SeasonalModel.Offsets;

    /// <summary>Smoothing of a seasonal offset (or of a phase's centre, for a profile) each time its phase comes round.</summary>
    public double SeasonGamma { get; init; } = 0.1;

    /// <summary>Updates a phase needs before its offset is used.</summary>
    public int MinPhaseSamples { get; init; } = 2;

    /// <summary>Smoothing of the residual noise scale.</summary>
    public double ScaleAlpha { get; init; } = 0.02;

    /// <summary>Residuals are clipped at this many σ before they move the model (Huber).</summary>
    public double Clip { get; init; } = 3;

    /// <summary>Two-sided tail probability below which a single point is a spike.</summary>
    public double SpikeTailProbability { get; init; } = 1e-6;

    /// <summary>CUSUM slack k (half the standardised shift it is tuned for).</summary>
    public double CusumSlack { get; init; } = 0.5;

    /// <summary>CUSUM threshold h, in the same units as the z-scores it sums.</summary>
    public double CusumThreshold { get; init; } = 8;

    /// <summary>z-scores are clipped here before the CUSUM, so one spike alone cannot look like a level shift.</summary>
    public double CusumClip { get; init; } = 4;

    public ChangeSides Sides { get; init; } = ChangeSides.Both;

    /// <summary>Points learned before any test runs.</summary>
    public int WarmupPoints { get; init; } = 30;

    /// <summary>Smallest noise scale, as a fraction of |level| (0 for none).</summary>
    public double MinRelativeScale { get; init; }

    /// <summary>Smallest noise scale in the series' own units.</summary>
    public double MinScale { get; init; } = 1e-9;

    /// <summary>
    /// After a confirmed level shift, re-anchor the model on the points since the estimated onset (a change-point
    /// segmentation). Off for callers that hold the old baseline until the series recovers (production alerts).
    /// </summary>
    public bool ReanchorOnShift { get; init; } = true;

    /// <summary>
    /// Learn (clipped) from points tested as spikes too. Off for a segmentation, where a spike must not move the model;
    /// on for a caller whose practical-significance gate may decline a spike, so a small permanent step on a very quiet
    /// series is still learned rather than tested as a spike forever.
    /// </summary>
    public bool LearnFromSpikes { get; init; }

    /// <summary>Consecutive unremarkable points (|z| below <see cref="CalmZ"/>) that end an episode.</summary>
    public int RecoveryPoints { get; init; } = 3;

    public double CalmZ { get; init; } = 2;
}
