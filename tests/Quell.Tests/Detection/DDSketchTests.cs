using CsCheck;
using Quell.Detection.Sketches;

namespace Quell.Tests.Detection;

public sealed class DDSketchTests
{
    [Fact]
    public void Quantile_AnyPositiveSample_WithinRelativeAccuracyOfExactQuantile()
    {
        var values = Gen.Double[0.01, 1e6].Array[1, 500];
        var quantile = Gen.Double[0, 1];
        Gen.Select(values, quantile).Sample((xs, q) =>
        {
            var sketch = new DDSketch(0.01);
            foreach (var x in xs)
            {
                sketch.Add(x);
            }

            var sorted = xs.Order().ToArray();
            var exact = sorted[(int)Math.Floor(q * (sorted.Length - 1))];
            var estimate = sketch.Quantile(q);
            return Math.Abs(estimate - exact) <= (0.01 * exact) + 1e-12;
        }, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void Merge_TwoSketches_EqualsSketchOfUnion()
    {
        Gen.Select(Gen.Double[1, 1e4].Array[1, 200], Gen.Double[1, 1e4].Array[1, 200]).Sample((a, b) =>
        {
            var left = new DDSketch(0.02);
            var right = new DDSketch(0.02);
            var union = new DDSketch(0.02);
            foreach (var x in a)
            {
                left.Add(x);
                union.Add(x);
            }

            foreach (var x in b)
            {
                right.Add(x);
                union.Add(x);
            }

            left.Merge(right);
            return left.Count == union.Count
                && new[] { 0.0, 0.5, 0.9, 0.99, 1.0 }.All(q => left.Quantile(q) == union.Quantile(q));
        }, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void Subtract_MergedSketch_RestoresOriginal()
    {
        var a = new DDSketch();
        var b = new DDSketch();
        for (var i = 1; i <= 100; i++)
        {
            a.Add(i);
            b.Add(i * 1000);
        }

        var p50 = a.Quantile(0.5);
        a.Merge(b);
        a.Subtract(b);
        Assert.Equal(100, a.Count);
        Assert.Equal(p50, a.Quantile(0.5));
    }

    [Fact]
    public void Quantile_ZerosAndNegatives_CountAsZero()
    {
        var sketch = new DDSketch();
        sketch.Add(0);
        sketch.Add(-5);
        sketch.Add(10);
        Assert.Equal(0, sketch.Quantile(0.5));
        Assert.InRange(sketch.Quantile(1), 9.9, 10.1);
    }

    [Fact]
    public void Quantile_Empty_IsNaN() => Assert.True(double.IsNaN(new DDSketch().Quantile(0.5)));

    [Fact]
    public void SlidingWindow_OldBucketsExpire_OnlyRecentValuesCount()
    {
        var window = new SlidingSketchWindow(buckets: 3, relativeAccuracy: 0.01);
        var sketch = new DDSketch(0.01);
        window.AdvanceTo(0);
        window.AddAtIndex(sketch.IndexOf(1000));
        window.AdvanceTo(1);
        window.AddAtIndex(sketch.IndexOf(10));
        window.AdvanceTo(3);
        Assert.Equal(1, window.Window.Count);
        Assert.InRange(window.Window.Quantile(1), 9.9, 10.1);
    }
}
