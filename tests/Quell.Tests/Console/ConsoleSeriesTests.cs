using System.Net;
using System.Text.Json;
using Quell.WebConsole;

namespace Quell.Tests.Console;

public sealed class ConsoleSeriesTests
{
    [Theory]
    [InlineData(14 * 24 * 60, 60)]
    [InlineData(24 * 60, 5)]
    [InlineData(6 * 60, 2)]
    [InlineData(31 * 24 * 60, 180)]
    public void StepMs_Range_AboutTargetBucketsOfWholeMinutes(int rangeMinutes, int stepMinutes) =>
        Assert.Equal(stepMinutes * 60_000L, ConsoleSeries.StepMs(TimeSpan.FromMinutes(rangeMinutes)));

    [Fact]
    public void BandOf_SpikeAndOutliers_MedianPlusMinusThreeMads()
    {
        double[] before = [100, 102, 98, 101, 99, 100, 5000];
        var band = ConsoleSeries.BandOf(before)!;
        Assert.Equal(100, band.Center);
        Assert.InRange(band.High, 104, 110);
        Assert.InRange(band.Low, 90, 96);
        Assert.Null(ConsoleSeries.BandOf([1, 2, 3, 4]));
    }

    [Fact]
    public void FromCalls_P99PerBucket_GapsStayEmptyAndBandUsesOnlyPreOnsetBuckets()
    {
        const long step = 60_000;
        var points = new List<FigurePoint>();
        for (var b = 0; b < 10; b++)
        {
            if (b == 3)
            {
                continue;
            }

            for (var i = 0; i < 100; i++)
            {
                var latency = (b >= 8 ? 1000 : 100) + i;
                points.Add(new FigurePoint((b * step) + i, "f\u001fm", latency, null, i % 10 == 0, false, 0.01, 10, 20, null));
            }
        }

        var series = ConsoleSeries.FromCalls(SeriesMetric.LatencyP99, 0, 10 * step, step, points, onsetMs: 8 * step);
        Assert.Equal(10, series.Values.Count);
        Assert.Null(series.Values[3]);
        Assert.InRange(series.Values[0]!.Value, 198, 199);
        Assert.InRange(series.Values[9]!.Value, 1098, 1099);
        Assert.Equal(7, series.Band!.Buckets);
        Assert.True(series.Band.High < 1000);
        var errors = ConsoleSeries.FromCalls(SeriesMetric.ErrorRate, 0, 10 * step, step, points, null);
        Assert.Equal(0.1, errors.Values[0]!.Value, 6);
    }
}

/// <summary>The console's read endpoints over the real simulated incident.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleEndpointTests(ConsoleFixture fx)
{
    [Fact]
    public async Task Series_LatencyIncident_P99WithBandOnsetAndDetectionMarked()
    {
        var incident = await fx.LatencyIncidentAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/console/incidents/{incident.Id}/series?range=3d");
        await fx.AuthorizeAsync(request, "read");
        using var response = await fx.Server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(view.GetProperty("signal").GetString(), (string[])["latency_p95", "latency_p99", "ttft_p95"]);
        var series = view.GetProperty("series");
        Assert.Equal("ms", series.GetProperty("unit").GetString());
        var band = series.GetProperty("band");
        var markers = view.GetProperty("markers");
        var onset = markers.GetProperty("onset").GetInt64();
        var detected = markers.GetProperty("detected").GetInt64();
        Assert.True(onset <= detected);
        var times = series.GetProperty("times").EnumerateArray().Select(t => t.GetInt64()).ToList();
        var values = series.GetProperty("values").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (double?)null : v.GetDouble()).ToList();
        var after = values.Where((v, i) => v is not null && times[i] >= ConsoleFixture.Onset.ToUnixTimeMilliseconds()).Max();
        Assert.True(after > band.GetProperty("high").GetDouble(), "the spike rises above the band");
    }

    [Fact]
    public async Task Series_BadRangeOrUnknownIncident_ProblemNamesIt()
    {
        var incident = await fx.LatencyIncidentAsync();
        using var bad = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/console/incidents/{incident.Id}/series?range=forever");
        await fx.AuthorizeAsync(bad, "read");
        using var badResponse = await fx.Server.Client.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, badResponse.StatusCode);
        Assert.Contains("range", await badResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var missing = new HttpRequestMessage(HttpMethod.Get, "/api/v1/console/incidents/inc-nope/series");
        await fx.AuthorizeAsync(missing, "read");
        using var missingResponse = await fx.Server.Client.SendAsync(missing);
        Assert.Equal(HttpStatusCode.NotFound, missingResponse.StatusCode);
    }

    [Fact]
    public async Task Overview_FeatureByModel_FiguresOpenIncidentsAndOnCall()
    {
        var incident = await fx.LatencyIncidentAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/console/overview?range=3d");
        await fx.AuthorizeAsync(request, "read");
        using var response = await fx.Server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var rows = view.GetProperty("rows").EnumerateArray().ToList();
        var support = rows.Where(r => r.GetProperty("feature").GetString() == "support_chat").ToList();
        Assert.NotEmpty(support);
        Assert.All(support, r => Assert.True(r.GetProperty("calls").GetInt64() > 0));
        Assert.Contains(support, r => r.GetProperty("open_incidents").EnumerateArray().Any(i => i.GetProperty("id").GetString() == incident.Id));
        var n = view.GetProperty("times").GetArrayLength();
        Assert.Equal(n, support[0].GetProperty("series").GetProperty("p99_ms").GetArrayLength());
        Assert.True(view.GetProperty("on_call").GetArrayLength() >= 0);
    }
}

public sealed class ConsoleSeriesCacheTests
{
    /// <summary>Figures that answer every bucket with its absolute index and remember which ranges were read.</summary>
    private sealed class CountingFigures : IConsoleFigures
    {
        public List<(long From, long To)> Reads { get; } = [];

        public IAsyncEnumerable<FigurePoint> CallsAsync(string? feature, string? model, long fromMs, long toMs, bool traces, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<QualityPoint> QualityAsync(bool feedback, string? feature, long fromMs, long toMs, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<OverviewCell>> OverviewAsync(long fromMs, long toMs, long stepMs, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyDictionary<long, double>> BucketsAsync(SeriesMetric metric, string? feature, string? model, long fromMs, long toMs, long stepMs, CancellationToken cancellationToken = default)
        {
            Reads.Add((fromMs, toMs));
            IReadOnlyDictionary<long, double> values = Enumerable.Range(0, (int)((toMs - fromMs) / stepMs)).Where(i => i % 7 != 3).ToDictionary(i => (long)i, i => (double)((fromMs / stepMs) + i));
            return Task.FromResult(values);
        }
    }

    [Fact]
    public async Task BucketsAsync_SecondRead_OnlyOpenBucketsFromStoreSameValues()
    {
        const long step = 3_600_000;
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1000 * step);
        var figures = new CountingFigures();
        var cache = new ConsoleSeriesCache(figures, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now));
        var first = await cache.BucketsAsync(SeriesMetric.LatencyP99, "f", null, 664 * step, 1001 * step, step, default);
        var second = await cache.BucketsAsync(SeriesMetric.LatencyP99, "f", null, 664 * step, 1001 * step, step, default);
        Assert.Equal(first.OrderBy(p => p.Key), second.OrderBy(p => p.Key));
        Assert.Equal((999 * step, 1001 * step), figures.Reads[1]);

        var other = await cache.BucketsAsync(SeriesMetric.LatencyP99, "g", null, 664 * step, 1001 * step, step, default);
        Assert.Equal((664 * step, 1001 * step), figures.Reads[2]);
        Assert.Equal(first.Count, other.Count);
    }
}
