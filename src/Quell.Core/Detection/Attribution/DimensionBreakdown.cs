using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quell.Alerts;

namespace Quell.Detection.Attribution;

/// <summary>
/// Light per-dimension-value aggregates (pending, recent, baseline) of a few summed fields, so that when a
/// detector fires it can say which tenant, prompt version, region … carries the change. Each dimension tracks at
/// most a fixed number of values; the rest share one "other" slot, which bounds memory.
/// </summary>
public sealed class DimensionBreakdown
{
    public const string OtherValue = "other";
    public const string NoneValue = "(none)";

    private readonly DimensionTable[] _tables;

    // Fields per value slot: from four fields on, the count rounded up to whole vectors, so recording a call is a
    // couple of vector adds.
    private readonly int _fields;
    private readonly bool _vectorised;

    public DimensionBreakdown(IReadOnlyList<string> dimensions, int fields, int maxValuesPerDimension)
    {
        Dimensions = dimensions;
        var width = Vector256<double>.Count;
        _vectorised = fields >= width;
        _fields = _vectorised ? (fields + width - 1) / width * width : fields;
        var stride = _fields;
        _tables = [.. dimensions.Select(_ => new DimensionTable(stride, maxValuesPerDimension))];
    }

    public IReadOnlyList<string> Dimensions { get; }

    /// <summary>Length of the field span <see cref="Record"/> adds fastest: the field count, padded with zeros to whole vectors from four fields on.</summary>
    public int Stride => _fields;

    /// <summary>Adds <paramref name="fieldValues"/> to the pending aggregate of a dimension value.</summary>
    public void Record(int dimension, string? value, ReadOnlySpan<double> fieldValues)
    {
        var table = _tables[dimension];
        var slot = table.SlotOf(value ?? NoneValue) * _fields;
        var pending = table.Pending;
        if (_vectorised && fieldValues.Length == _fields)
        {
            // Element-wise vector adds: the same sums, bit for bit, as the scalar loop.
            ref var source = ref MemoryMarshal.GetReference(fieldValues);
            ref var target = ref pending[slot];
            for (var f = 0; f < _fields; f += Vector256<double>.Count)
            {
                var sum = Vector256.LoadUnsafe(ref target, (nuint)f) + Vector256.LoadUnsafe(ref source, (nuint)f);
                sum.StoreUnsafe(ref target, (nuint)f);
            }

            return;
        }

        for (var f = 0; f < fieldValues.Length; f++)
        {
            pending[slot + f] += fieldValues[f];
        }
    }

    /// <summary>
    /// Moves pending sums into the recent aggregate (decayed by <paramref name="recentKeep"/>) and, when
    /// <paramref name="learn"/>, into the baseline (decayed by <paramref name="baselineKeep"/>).
    /// </summary>
    public void Roll(double recentKeep, double baselineKeep, bool learn)
    {
        foreach (var table in _tables)
        {
            var n = table.Used * _fields;
            var (pending, recent, baseline) = (table.Pending, table.Recent, table.Baseline);
            for (var i = 0; i < n; i++)
            {
                recent[i] = (recent[i] * recentKeep) + pending[i];
                if (learn)
                {
                    baseline[i] = (baseline[i] * baselineKeep) + pending[i];
                }

                pending[i] = 0;
            }
        }
    }

    /// <summary>Folds pending sums into the baseline only (a sequential test settled on "no change").</summary>
    public void FoldPendingIntoBaseline(double baselineKeep)
    {
        foreach (var table in _tables)
        {
            var n = table.Used * _fields;
            for (var i = 0; i < n; i++)
            {
                table.Baseline[i] = (table.Baseline[i] * baselineKeep) + table.Pending[i];
                table.Pending[i] = 0;
            }
        }
    }

    /// <summary>Drops pending sums (they belong to an anomaly that must not be learned).</summary>
    public void ClearPending()
    {
        foreach (var table in _tables)
        {
            Array.Clear(table.Pending);
        }
    }

    /// <summary>
    /// Factors for the ratio field <paramref name="numerator"/> / <paramref name="denominator"/>, comparing recent
    /// (plus pending, or pending only) against baseline, best first.
    /// </summary>
    public IReadOnlyList<AttributionFactor> Explain(int numerator, int denominator, bool pendingOnly, double minShare)
    {
        var factors = new List<AttributionFactor>();
        for (var d = 0; d < _tables.Length; d++)
        {
            var table = _tables[d];
            var sums = table.Sums(numerator, denominator, pendingOnly, _fields);
            var best = table.Explain(Dimensions[d], numerator, denominator, pendingOnly, _fields, sums);
            if (best is not null && best.Share >= minShare && IsInformative(best))
            {
                factors.Add(best);
            }
            else if (table.Contrast(Dimensions[d], numerator, denominator, pendingOnly, _fields, sums) is { } contrast)
            {
                factors.Add(contrast);
            }
        }

        return [.. factors.OrderByDescending(f => f.Share - f.RecentTrafficShare).ThenBy(f => f.Dimension, StringComparer.Ordinal)];
    }

    // A value explains the change when it carries clearly more of the excess than of the traffic, or when it is
    // the new thing (a version that took over since the baseline). A value carrying all traffic both before and
    // after explains nothing.
    private static bool IsInformative(AttributionFactor f) =>
        f.Share - f.RecentTrafficShare >= 0.2
        || (f.BaselineTrafficShare <= 0.5 && f.RecentTrafficShare - f.BaselineTrafficShare >= 0.3);

    /// <summary>A dimension's totals of a ratio field: recent numerator and denominator, baseline numerator and denominator.</summary>
    private readonly record struct RatioSums(double RecentNum, double RecentDen, double BaseNum, double BaseDen);

    private sealed class DimensionTable(int fields, int maxValues)
    {
        private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
        private readonly List<string> _names = [];
        private string? _lastValue;
        private int _lastSlot;
        private int _otherSlot = -1;

        public double[] Pending { get; private set; } = new double[4 * fields];
        public double[] Recent { get; private set; } = new double[4 * fields];
        public double[] Baseline { get; private set; } = new double[4 * fields];
        public int Used => _names.Count;

        public int SlotOf(string value)
        {
            // Consecutive calls often carry the same value: an ordinal compare (a reference check first) is cheaper
            // than hashing, and equal strings need no store of the last value.
            if (string.Equals(value, _lastValue, StringComparison.Ordinal))
            {
                return _lastSlot;
            }

            if (!_slots.TryGetValue(value, out var slot))
            {
                if (_names.Count < maxValues - 1)
                {
                    slot = Add(value);
                    _slots[value] = slot;
                }
                else
                {
                    slot = OtherSlot();
                }
            }

            (_lastValue, _lastSlot) = (value, slot);
            return slot;
        }

        /// <summary>The dimension's totals of the ratio field, recent (plus pending, or pending only) and baseline.</summary>
        public RatioSums Sums(int num, int den, bool pendingOnly, int f)
        {
            double recentNum = 0, recentDen = 0, baseNum = 0, baseDen = 0;
            for (var s = 0; s < Used; s++)
            {
                recentNum += RecentOf(s, num, pendingOnly, f);
                recentDen += RecentOf(s, den, pendingOnly, f);
                baseNum += Baseline[(s * f) + num];
                baseDen += Baseline[(s * f) + den];
            }

            return new RatioSums(recentNum, recentDen, baseNum, baseDen);
        }

        public AttributionFactor? Explain(string dimension, int num, int den, bool pendingOnly, int f, RatioSums sums)
        {
            var (_, recentDen, baseNum, baseDen) = sums;

            if (recentDen <= 0 || baseDen <= 0)
            {
                return null;
            }

            var seriesBaseRate = baseNum / baseDen;
            double totalExcess = 0;
            var excess = new double[Used];
            for (var s = 0; s < Used; s++)
            {
                var rDen = RecentOf(s, den, pendingOnly, f);
                var bDen = Baseline[(s * f) + den];
                var baseRate = bDen >= 5 ? Baseline[(s * f) + num] / bDen : seriesBaseRate;
                excess[s] = Math.Max(0, RecentOf(s, num, pendingOnly, f) - (rDen * baseRate));
                totalExcess += excess[s];
            }

            if (totalExcess <= 0)
            {
                return null;
            }

            // "other" folds many unrelated values together; it is never the answer.
            var top = -1;
            for (var s = 0; s < Used; s++)
            {
                if (s != _otherSlot && (top < 0 || excess[s] > excess[top]))
                {
                    top = s;
                }
            }

            if (top < 0)
            {
                return null;
            }

            var topRecentDen = RecentOf(top, den, pendingOnly, f);
            var topBaseDen = Baseline[(top * f) + den];
            var topBaseRate = topBaseDen >= 5 ? Baseline[(top * f) + num] / topBaseDen : seriesBaseRate;
            var topRecentRate = topRecentDen > 0 ? RecentOf(top, num, pendingOnly, f) / topRecentDen : 0;
            return new AttributionFactor(dimension, _names[top], excess[top] / totalExcess, topBaseRate > 0 ? topRecentRate / topBaseRate : double.PositiveInfinity)
            {
                RecentTrafficShare = topRecentDen / recentDen,
                BaselineTrafficShare = topBaseDen / baseDen,
            };
        }

        /// <summary>
        /// The value whose recent rate stands above the rest of the same recent traffic by at least the series' own
        /// rise. Comparing within one window cancels what moved every value alike (heavy-tailed token counts drift
        /// between hours), which the comparison with each value's baseline cannot: if one value with traffic share
        /// p alone lifted the series by R, its rate is 1 + (R − 1)/p ≥ R times the rest's. Only values whose traffic is
        /// mostly new since the baseline (a version rolled out, a tenant arriving) are candidates, so among many
        /// steady values (users) one that happens to run high in a noisy window is not named.
        /// </summary>
        public AttributionFactor? Contrast(string dimension, int num, int den, bool pendingOnly, int f, RatioSums sums)
        {
            var (recentNum, recentDen, baseNum, baseDen) = sums;

            if (recentDen <= 0 || baseDen <= 0 || baseNum <= 0)
            {
                return null;
            }

            var rise = recentNum / recentDen / (baseNum / baseDen);
            if (rise <= 1)
            {
                return null;
            }

            AttributionFactor? best = null;
            var bestContrast = 0.0;
            for (var s = 0; s < Used; s++)
            {
                var sDen = RecentOf(s, den, pendingOnly, f);
                var restDen = recentDen - sDen;
                if (s == _otherSlot || sDen < MinContrastCalls || restDen < MinContrastCalls)
                {
                    continue;
                }

                var rate = RecentOf(s, num, pendingOnly, f) / sDen;
                var restRate = (recentNum - RecentOf(s, num, pendingOnly, f)) / restDen;
                if (restRate <= 0)
                {
                    continue;
                }

                var contrast = rate / restRate;
                var bDen = Baseline[(s * f) + den];
                if (contrast >= rise && contrast > bestContrast && bDen / baseDen <= sDen / recentDen / 2)
                {
                    var excess = sDen * (rate - restRate);
                    var total = recentNum - (recentDen * (baseNum / baseDen));
                    bestContrast = contrast;
                    best = new AttributionFactor(dimension, _names[s], total > 0 ? Math.Min(1, excess / total) : 1, bDen >= 5 ? rate / (Baseline[(s * f) + num] / bDen) : double.PositiveInfinity)
                    {
                        RecentTrafficShare = sDen / recentDen,
                        BaselineTrafficShare = bDen / baseDen,
                    };
                }
            }

            return best;
        }

        // Decayed call counts both sides of a contrast need before a rate is compared: about a minute of light traffic.
        private const double MinContrastCalls = 20;

        private double RecentOf(int slot, int field, bool pendingOnly, int f)
        {
            var i = (slot * f) + field;
            return pendingOnly ? Pending[i] : Recent[i] + Pending[i];
        }

        private int OtherSlot()
        {
            if (_otherSlot < 0)
            {
                _otherSlot = Add(OtherValue);
            }

            return _otherSlot;
        }

        private int Add(string value)
        {
            var slot = _names.Count;
            _names.Add(value);
            if ((slot + 1) * fields > Pending.Length)
            {
                var size = Pending.Length * 2;
                Pending = Grow(Pending, size);
                Recent = Grow(Recent, size);
                Baseline = Grow(Baseline, size);
            }

            return slot;
        }

        private static double[] Grow(double[] array, int size)
        {
            var grown = new double[size];
            array.CopyTo(grown, 0);
            return grown;
        }
    }
}
