using Microsoft.Extensions.Time.Testing;
using Quell.Incidents;
using Quell.Ingest;
using Quell.Response;
using Quell.Server.Detection;
using Quell.Server.Incidents;
using Quell.Simulation;
using Quell.Simulation.Scenarios;
using Quell.Storage;
using Quell.Tests.Server;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Quell.Tests.Console;

/// <summary>
/// The heavy incident page: fourteen simulated days of calls behind the chart and 2,000 timeline entries.
/// It checks that everything is drawn and reports how long that took (docs/benchmarks.md); it asserts no time.
/// </summary>
public sealed class ConsoleRenderMeasurement(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task IncidentPage_TwoThousandEntriesAndFourteenDayChart_RendersEverything()
    {
        var end = Start.AddDays(14);
        var time = new FakeTimeProvider(end);
        await using var server = await QuellTestServer.StartAsync(ConsoleFixture.Config, time);
        var sim = new SimulationOptions { Seed = 5, Start = Start, Duration = end - Start, RequestsPerSecond = 0.06, EvalInterval = TimeSpan.FromHours(6) };
        var events = new AppSimulator(sim, [new LatencySpikeScenario(end.AddHours(-8), TimeSpan.FromHours(6), factor: 5)]).Run().OfType<SimulatedCall>();
        var preparer = server.Service<CallPreparer>();
        foreach (var chunk in events.Select(c => preparer.Prepare(c.Call)).Chunk(20_000))
        {
            await server.Service<ICallLog>().AppendAsync(chunk);
        }

        await server.Service<DetectionService>().AdvanceToAsync(end);
        var incidents = server.Service<IncidentService>();
        var incident = (await incidents.ListAsync(new IncidentQuery(Limit: 100))).First(i => i.Category == "latency");
        var entries = (await incidents.TimelineAsync(incident.Id)).Count;
        var notes = Enumerable.Range(entries, 2000 - entries)
            .Select(n => new TimelineEntry(incident.Id, end.AddSeconds(n), TimelineKinds.Note, "responder", $"note {n}: checked the eu-west dashboards, p99 still above the band"))
            .ToList();
        await incidents.Store.ApplyAsync([new IncidentChange(incident, false, notes, [])]);
        var total = (await incidents.TimelineAsync(incident.Id)).Count;
        Assert.True(total >= 2000);

        await using var browser = new ConsoleBrowser();
        await browser.InitializeAsync();
        var tab = await browser.OpenAsync(server.BaseAddress);
        await tab.SignInAsync(server.MintKey(["read", "read:content", "respond", "mitigate"], name: "measurer"));
        var url = new Uri(server.BaseAddress, $"/incidents/{incident.Id}?range=14d").ToString();
        var figures = new List<double>();
        var cold = 0.0;
        for (var round = 0; round < 6; round++)
        {
            await tab.Page.GotoAsync(url);
            await Expect(tab.Page.Locator("body[data-ready=incident]")).ToHaveCountAsync(1);
            await Expect(tab.Page.Locator("#timeline-list li")).ToHaveCountAsync((await incidents.TimelineAsync(incident.Id)).Count);
            await Expect(tab.Page.Locator("#chart canvas").First).ToBeVisibleAsync();

            // From the start of navigation to the chart and the timeline drawn: fetches, parsing, DOM and canvas.
            var ms = await tab.Page.EvaluateAsync<double>("() => performance.getEntriesByName('incident-render')[0].startTime + performance.getEntriesByName('incident-render')[0].duration");
            if (round == 0)
            {
                cold = ms;
            }
            else
            {
                figures.Add(ms);
                output.WriteLine(await tab.Page.EvaluateAsync<string>("() => performance.getEntriesByType('resource').map(r => `${r.name.replace(location.origin, '')} ${Math.round(r.startTime)}+${Math.round(r.duration)}`).join('; ')"));
            }
        }

        figures.Sort();
        output.WriteLine($"incident page, {total} timeline entries, 14-day chart: median {figures[figures.Count / 2]:0} ms, min {figures[0]:0} ms, max {figures[^1]:0} ms over {figures.Count} warm loads; first load (browser and series cache cold) {cold:0} ms");
        await tab.ScreenshotAsync("incident-2000-entries");
        Assert.Empty(tab.Problems);
    }
}
