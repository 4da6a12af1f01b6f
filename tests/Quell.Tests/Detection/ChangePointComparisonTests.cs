using Quell.Detection.Statistics;
using Xunit.Abstractions;

namespace Quell.Tests.Detection;

/// <summary>
/// The measurement behind the choice of CUSUM for shift detection (docs/detection.md): detection delay against
/// false alarms on standardised synthetic series, for CUSUM, Page–Hinkley and a plain threshold (Shewhart).
/// </summary>
public sealed class ChangePointComparisonTests(ITestOutputHelper output)
{
    private const int CleanPoints = 1_000_000;
    private const int Runs = 300;

    private static readonly (string Name, Func<Func<double, bool>> Create)[] Detectors =
    [
        ("CUSUM k=1 h=6 (Quell default)", () => { var c = new Cusum(1, 6); return z => c.Update(z, default) == ChangeDirection.Up; }),
        ("CUSUM k=0.5 h=5", () => { var c = new Cusum(0.5, 5); return z => c.Update(z, default) == ChangeDirection.Up; }),
        ("CUSUM k=0.5 h=9", () => { var c = new Cusum(0.5, 9); return z => c.Update(z, default) == ChangeDirection.Up; }),
        ("Page-Hinkley d=0.5 l=10", () => { var p = new PageHinkley(0.5, 10); return z => p.Update(z); }),
        ("Page-Hinkley d=0.5 l=14", () => { var p = new PageHinkley(0.5, 14); return z => p.Update(z); }),
        ("Shewhart z>4", () => z => z > 4),
        ("Shewhart z>3, 2 in a row", () => { var run = 0; return z => (run = z > 3 ? run + 1 : 0) >= 2; }),
    ];

    [Fact]
    public void ChangePoint_SyntheticShifts_CusumDetectsFastWithoutFalseAlarms()
    {
        output.WriteLine($"{"detector",-32} {"FA/100k",8} {"delay 1σ",9} {"delay 2σ",9} {"delay 3σ",9}");
        var results = Detectors.Select(d => (d.Name, Fa: FalseAlarms(d.Create), D1: Delay(d.Create, 1), D2: Delay(d.Create, 2), D3: Delay(d.Create, 3))).ToList();
        foreach (var r in results)
        {
            output.WriteLine($"{r.Name,-32} {r.Fa * 100_000.0 / CleanPoints,8:0.0} {r.D1,9:0.0} {r.D2,9:0.0} {r.D3,9:0.0}");
        }

        var cusum = results[0];
        var shewhart = results.Single(r => r.Name == "Shewhart z>4");
        Assert.True(cusum.Fa * 100_000.0 / CleanPoints <= 1, "at most one false alarm per 100k blocks");
        Assert.True(cusum.D1 < shewhart.D1 / 3, "CUSUM should catch small sustained shifts far sooner than a threshold");
        var pageHinkley = results.Single(r => r.Name == "Page-Hinkley d=0.5 l=10");
        Assert.True(cusum.Fa <= pageHinkley.Fa && cusum.D2 <= pageHinkley.D2 && cusum.D3 <= pageHinkley.D3, "CUSUM should dominate at the shifts the ratio gate lets through");
    }

    private static int FalseAlarms(Func<Func<double, bool>> create)
    {
        var rng = new Random(7);
        var detector = create();
        var alarms = 0;
        for (var i = 0; i < CleanPoints; i++)
        {
            if (detector(SyntheticTraffic.Normal(rng)))
            {
                alarms++;
                detector = create();
            }
        }

        return alarms;
    }

    // Mean points from the shift to the alarm, after 500 clean points (runs that alarm early are restarted).
    private static double Delay(Func<Func<double, bool>> create, double shift)
    {
        var rng = new Random(11);
        double total = 0;
        for (var run = 0; run < Runs; run++)
        {
            var detector = create();
            for (var i = 0; i < 500; i++)
            {
                if (detector(SyntheticTraffic.Normal(rng)))
                {
                    detector = create();
                }
            }

            var delay = 1;
            while (!detector(SyntheticTraffic.Normal(rng) + shift) && delay < 10_000)
            {
                delay++;
            }

            total += delay;
        }

        return total / Runs;
    }
}
