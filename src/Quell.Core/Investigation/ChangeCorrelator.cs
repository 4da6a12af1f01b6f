using System.Globalization;
using Quell.Changes;

namespace Quell.Investigation;

/// <summary>A possible cause of an anomaly: a recorded change, or a dimension value with no change on record.</summary>
public sealed record CorrelationCandidate
{
    /// <summary>change or dimension.</summary>
    public required string Kind { get; init; }
    public ChangeEvent? Change { get; init; }
    public string? Dimension { get; init; }
    public string? Value { get; init; }

    /// <summary>Share explained × temporal proximity × scope match, in 0..1.</summary>
    public double Score { get; init; }

    /// <summary>Fraction of the anomalous excess carried by calls with this value (0..1).</summary>
    public double Share { get; init; }

    /// <summary>How close the change came before the onset (1 = at the onset, decaying over hours).</summary>
    public double Proximity { get; init; }

    /// <summary>1 when the change's scope names the anomalous feature, lower when it is global or elsewhere.</summary>
    public double ScopeMatch { get; init; }

    /// <summary>Fraction of the after-window's anomaly metric (e.g. failing evals) on this value.</summary>
    public double AfterShare { get; init; }
    public string Sentence { get; init; } = "";
}

/// <summary>Tuning of <see cref="ChangeCorrelator"/>; defaults suit minute-resolution onsets.</summary>
public sealed record CorrelationOptions
{
    /// <summary>Proximity decays as exp(-lead/τ): a change 2h before the onset scores 0.37. Default 2h.</summary>
    public TimeSpan ProximityTau { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Onset estimates run early; changes this much after the onset still count fully. Default 15 min.</summary>
    public TimeSpan OnsetSlack { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Share assumed for changes that no dimension can measure (deploys, config, retrieval). Default 0.3.</summary>
    public double UnmeasuredShare { get; init; } = 0.3;

    /// <summary>Before-window count under which a value's own baseline is not trusted. Default 20.</summary>
    public int MinBaselineCount { get; init; } = 20;

    /// <summary>
    /// A dimension value with no change on record is shown only when it carries this many times its share of the
    /// traffic in excess (or is new): a value every call has (operation=chat) explains nothing. Default 1.5.
    /// </summary>
    public double MinLift { get; init; } = 1.5;

    /// <summary>After/before window length ratio, for volume metrics. Default 1.</summary>
    public double AfterToBeforeDuration { get; init; } = 1;
}

/// <summary>
/// Ranks recorded changes and version dimension values by how well they explain an anomaly: the share of the
/// anomalous excess carried by the value a change introduced, times the change's proximity to the onset, times how
/// well its scope matches. Pure: the caller brings the slices and the changes.
/// </summary>
public static class ChangeCorrelator
{
    /// <summary>
    /// Below this score nothing on record explains the anomaly. 0.1: an unmeasured change (share 0.3) in scope more
    /// than ~2 h before the onset, or a measured one carrying under a fifth of the excess an hour before, falls under it.
    /// </summary>
    public const double ExplainsThreshold = 0.1;

    /// <summary>Whether a candidate is strong enough to be named as the likely cause.</summary>
    public static bool Explains(CorrelationCandidate candidate) => candidate.Score >= ExplainsThreshold;

    private static readonly Dictionary<string, string> KindToDimension = new(StringComparer.Ordinal)
    {
        ["prompt_version"] = "prompt_version",
        ["model_version"] = "model_version",
        ["model"] = "model",
        ["provider"] = "provider",
    };

    public static IReadOnlyList<CorrelationCandidate> Rank(InvestigationSubject subject, IReadOnlyList<DimensionSlice> slices, IReadOnlyList<ChangeEvent> changes, CorrelationOptions? options = null)
    {
        options ??= new CorrelationOptions();
        var metric = AnomalyMetrics.For(subject.Category, subject.Signal);
        var shares = Shares(slices, metric, options, Replaced(changes, subject, slices, options));
        var candidates = new List<CorrelationCandidate>();
        var explained = new HashSet<(string, string)>();
        var introducers = changes.Where(c => c.To is not null && KindToDimension.ContainsKey(c.Kind))
            .GroupBy(c => (KindToDimension[c.Kind], c.To!))
            .ToDictionary(g => g.Key, g => g.OrderBy(c => c.Timestamp).ThenBy(c => c.Id, StringComparer.Ordinal).First());
        foreach (var change in changes)
        {
            var proximity = Proximity(change.Timestamp, subject.Onset, options);

            // An attack comes from outside: no deploy or version explains who sends injections.
            var scope = ScopeMatch(change, subject) * (subject.Category == "abuse" ? 0.1 : 1);
            double share;
            double afterShare = 0;
            string? dimension = null;
            string? value = null;
            // A version the slices do not carry (eval results without model_version) cannot be measured: treat it as such.
            if (KindToDimension.TryGetValue(change.Kind, out var dim) && change.To is { } to && slices.Any(x => x.Dimension == dim && x.Value != "(none)"))
            {
                dimension = dim;
                value = to;
                var s = shares.GetValueOrDefault((dim, to));
                share = s.Share;
                afterShare = s.AfterShare;
                explained.Add((dim, to));

                // Onset estimates also run early. When most of the excess is on a value that did not exist before the
                // onset, the anomaly cannot predate the change that introduced it (the first on record to set it; a later
                // record of the same value introduced nothing): the estimate came early, not the change late.
                if (change.Timestamp > subject.Onset && s.IsNew && s.Share >= 0.5 && introducers.GetValueOrDefault((dim, to)) == change)
                {
                    proximity = 1;
                }
            }
            else
            {
                // A change no dimension measures: credit it with the best share among the values its scope names.
                var scoped = change.Scope.Where(p => p.Key != "feature").Select(p => shares.GetValueOrDefault((p.Key, p.Value))).ToList();
                share = scoped.Count > 0 ? scoped.Max(s => s.Share) : options.UnmeasuredShare;
                afterShare = scoped.Count > 0 ? scoped.Max(s => s.AfterShare) : 0;
            }

            candidates.Add(new CorrelationCandidate
            {
                Kind = "change",
                Change = change,
                Dimension = dimension,
                Value = value,
                Share = share,
                Proximity = proximity,
                ScopeMatch = scope,
                AfterShare = afterShare,
                Score = share * proximity * scope,
                Sentence = Sentence(subject, metric, afterShare, dimension, value, change),
            });
        }

        // Values that carry the anomaly without any change on record still deserve a look, ranked below recorded causes.
        foreach (var ((dim, value), s) in shares)
        {
            if (s.Share < 0.2 || explained.Contains((dim, value)) || dim is "tenant" || (!s.IsNew && s.Share < options.MinLift * s.TrafficShare))
            {
                continue;
            }

            var novelty = s.IsNew ? 1.0 : 0.6;
            candidates.Add(new CorrelationCandidate
            {
                Kind = "dimension",
                Dimension = dim,
                Value = value,
                Share = s.Share,
                Proximity = novelty,
                ScopeMatch = 0.5,
                AfterShare = s.AfterShare,
                Score = s.Share * novelty * 0.5,
                Sentence = Sentence(subject, metric, s.AfterShare, dim, value, null),
            });
        }

        return candidates.OrderByDescending(c => c.Score).ThenBy(c => c.Change?.Id ?? c.Value, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Values a recorded change introduced before the onset, with the value each replaced. Onset estimates run late
    /// (a rate signal decides only after enough results), so the before window can hold calls or eval cases that came
    /// after the change: those are already the anomaly, and the new value's own "baseline" is no baseline at all.
    /// </summary>
    /// <remarks>Only changes close enough to matter (within three proximity constants of the onset) count; an older one's value is the baseline.</remarks>
    public static Dictionary<(string Dimension, string Value), string> Replaced(IReadOnlyList<ChangeEvent> changes, InvestigationSubject subject, IReadOnlyList<DimensionSlice> slices, CorrelationOptions? options = null)
    {
        options ??= new CorrelationOptions();
        var result = new Dictionary<(string, string), string>();
        foreach (var change in changes.Where(c => c.Timestamp < subject.Onset && subject.Onset - c.Timestamp <= 3 * options.ProximityTau).OrderBy(c => c.Timestamp))
        {
            if (KindToDimension.TryGetValue(change.Kind, out var dim) && change.To is { } to && change.From is { } from && to != from
                && slices.Any(x => x.Dimension == dim && x.Value == to))
            {
                result[(dim, to)] = from;
            }
        }

        return result;
    }

    /// <summary>Per dimension value: its share of the dimension's positive excess and of the after-window metric.</summary>
    /// <param name="replaced">
    /// Values a change introduced before the onset and the value each replaced: such a value is measured against the
    /// rate of the value it replaced (or of the dimension's other values), not against its own before-window calls.
    /// </param>
    public static Dictionary<(string Dimension, string Value), (double Share, double AfterShare, bool IsNew, double TrafficShare)> Shares(IReadOnlyList<DimensionSlice> slices, AnomalyMetric metric, CorrelationOptions options, IReadOnlyDictionary<(string Dimension, string Value), string>? replaced = null)
    {
        var result = new Dictionary<(string, string), (double, double, bool, double)>();
        foreach (var dim in slices.GroupBy(s => s.Dimension, StringComparer.Ordinal))
        {
            var beforeCount = dim.Sum(s => s.BeforeCount);
            var beforeMetric = dim.Sum(s => s.BeforeMetric);
            var afterMetric = dim.Sum(s => s.AfterMetric);
            var overallRate = beforeCount > 0 ? beforeMetric / beforeCount : 0;
            var excess = dim.Select(s =>
            {
                double expected;
                if (metric == AnomalyMetric.Calls)
                {
                    expected = s.BeforeCount * options.AfterToBeforeDuration;
                    return (s, Excess: s.AfterCount - expected);
                }

                var rate = replaced?.GetValueOrDefault((s.Dimension, s.Value)) is { } previous
                    ? BaselineOf(dim, previous, s.Value, options) ?? overallRate
                    : s.BeforeCount >= options.MinBaselineCount ? s.BeforeMetric / s.BeforeCount : overallRate;
                expected = s.AfterCount * rate;
                return (s, Excess: s.AfterMetric - expected);
            }).ToList();
            var total = excess.Sum(e => Math.Max(0, e.Excess));
            var afterTotal = metric == AnomalyMetric.Calls ? dim.Sum(s => s.AfterCount) : afterMetric;
            var afterCalls = dim.Sum(s => s.AfterCount);
            foreach (var (s, e) in excess)
            {
                var share = total > 0 ? Math.Max(0, e) / total : 0;
                var afterShare = afterTotal > 0 ? (metric == AnomalyMetric.Calls ? s.AfterCount : s.AfterMetric) / afterTotal : 0;
                var isNew = s.BeforeCount < Math.Max(1, 0.02 * beforeCount) && s.AfterCount > 0;
                result[(s.Dimension, s.Value)] = (share, afterShare, isNew, afterCalls > 0 ? s.AfterCount / afterCalls : 0);
            }
        }

        return result;
    }

    /// <summary>The rate a changed-to value is held to: the replaced value's, else that of every other value of the dimension.</summary>
    private static double? BaselineOf(IEnumerable<DimensionSlice> dimension, string previous, string changedTo, CorrelationOptions options)
    {
        var list = dimension.ToList();
        if (list.FirstOrDefault(x => x.Value == previous) is { } p && p.BeforeCount >= options.MinBaselineCount)
        {
            return p.BeforeMetric / p.BeforeCount;
        }

        var others = list.Where(x => x.Value != changedTo).ToList();
        var count = others.Sum(x => x.BeforeCount);
        return count >= options.MinBaselineCount ? others.Sum(x => x.BeforeMetric) / count : null;
    }

    public static double Proximity(DateTimeOffset changeAt, DateTimeOffset onset, CorrelationOptions options)
    {
        var lead = onset - changeAt;
        if (lead < -options.OnsetSlack)
        {
            return 0.02;
        }

        return lead <= TimeSpan.Zero ? 1 : Math.Exp(-lead.TotalSeconds / options.ProximityTau.TotalSeconds);
    }

    public static double ScopeMatch(ChangeEvent change, InvestigationSubject subject)
    {
        if (!change.Scope.TryGetValue("feature", out var feature))
        {
            return 0.6;
        }

        return subject.Feature is null || feature == subject.Feature ? 1 : 0.1;
    }

    /// <summary>"94%": invariant percent without the space the invariant culture puts before the sign.</summary>
    public static string Percent(double share) => double.IsNaN(share) ? "n/a" : (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static string Sentence(InvestigationSubject subject, AnomalyMetric metric, double afterShare, string? dimension, string? value, ChangeEvent? change)
    {
        var since = subject.Onset.ToUniversalTime().ToString("HH:mm", CultureInfo.InvariantCulture);
        var what = dimension is null ? null : $"{dimension.Replace("_version", "", StringComparison.Ordinal).Replace('_', ' ')} {value}";
        var lead = what is null ? $"change {change?.Id} ({change?.Kind})" : $"{Percent(afterShare)} of {AnomalyMetrics.Noun(metric)} since {since} are on {what}";
        if (change is null)
        {
            return $"{lead}; no change on record introduced it";
        }

        var by = change.Author is null ? "" : $" by {change.Author}";
        var at = change.Timestamp.ToUniversalTime().ToString("HH:mm", CultureInfo.InvariantCulture);
        return what is null ? $"{lead} at {at}{by}: {change.Description}" : $"{lead}, deployed {at}{by} ({change.Id})";
    }
}
