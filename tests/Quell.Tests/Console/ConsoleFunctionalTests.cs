using Microsoft.Playwright;
using Quell.Incidents;
using Quell.Postmortems;
using Quell.Response;
using Quell.Server.Incidents;
using Quell.Server.Postmortems;
using static Microsoft.Playwright.Assertions;

namespace Quell.Tests.Console;

/// <summary>The console in Chromium against a real server and a real incident: what an on-call engineer does in it.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleFunctionalTests(ConsoleFixture fx)
{
    [Fact]
    public async Task Responder_OpensIncidentFromList_AcknowledgesApprovesMitigationAndPublishesPostmortem()
    {
        var incident = await fx.LatencyIncidentAsync();
        var tab = await fx.Browser.OpenAsync(fx.Server.BaseAddress);
        var page = tab.Page;
        await tab.SignInAsync(await fx.KeyAsync("responder", "read", "read:content", "respond", "mitigate"));
        var principal = (await page.Locator("#who .principal").TextContentAsync())!;

        var row = page.Locator($"tr[data-id='{incident.Id}']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("support_chat");
        await tab.ScreenshotAsync("incidents");

        await row.Locator("td.title a").ClickAsync();
        await page.WaitForURLAsync($"**/incidents/{incident.Id}");
        await Expect(page.Locator("body[data-ready=incident]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#chart canvas").First).ToBeVisibleAsync();
        await Expect(page.Locator("#breakdown-body")).ToContainTextAsync("eu-west");
        await Expect(page.Locator("#timeline-list li.tl-detected")).ToHaveCountAsync(1);
        await tab.ScreenshotAsync("incident");

        await page.ClickAsync("button[data-action=ack]");
        await Expect(page.Locator(".meta .badge.state")).ToHaveTextAsync("acknowledged");
        await Expect(page.Locator("#timeline-list li.tl-transition").First).ToContainTextAsync($"acknowledged by {principal}");
        var acked = (await fx.Server.Service<IncidentService>().GetAsync(incident.Id))!;
        Assert.Equal(IncidentState.Acknowledged, acked.State);

        var propose = page.Locator("#propose");
        await propose.Locator("select[name=kind]").SelectOptionAsync("fallback");
        await propose.Locator("input[name=parameters]").FillAsync("""{"fallback_model":"gpt-4o"}""");
        await propose.Locator("input[name=reason]").FillAsync("route support_chat away from the slow eu-west region");
        await propose.Locator("button[type=submit]").ClickAsync();
        var mitigation = page.Locator("tr[data-mitigation]");
        await Expect(mitigation.Locator(".badge")).ToHaveTextAsync("proposed");
        await mitigation.Locator("button[data-action=approve]").ClickAsync();
        await Expect(mitigation.Locator(".badge")).ToHaveTextAsync("active");
        var mitigationId = await mitigation.GetAttributeAsync("data-mitigation");
        await Expect(page.Locator("#timeline-list li.tl-mitigation_approved")).ToContainTextAsync(mitigationId!);
        await Expect(page.Locator("#timeline-list li.tl-mitigation_approved .actor")).ToHaveTextAsync(principal);
        await page.Locator("#mitigations").ScrollIntoViewIfNeededAsync();
        await tab.ScreenshotAsync("incident-mitigated");

        var rootCause = "openai **eu-west** slowed down four-fold; support_chat calls there waited.";
        await page.FillAsync("#postmortem textarea[name=root_cause]", rootCause);
        await Expect(page.Locator("#postmortem-preview strong")).ToContainTextAsync(["eu-west"]);
        await page.ClickAsync("button[data-action=publish-postmortem]");
        await Expect(page.Locator("#postmortem .pm-head .badge")).ToHaveTextAsync("published");
        await page.Locator("#postmortem").ScrollIntoViewIfNeededAsync();
        await tab.ScreenshotAsync("postmortem");
        var published = (await fx.Server.Service<PostmortemService>().GetOrDraftAsync(incident.Id))!;
        Assert.Equal(PostmortemStatus.Published, published.Status);
        Assert.Equal(rootCause, published.RootCause);

        Assert.Empty(tab.Problems);
        await tab.CloseAsync();
    }

    [Fact]
    public async Task ReadOnlyKey_CannotAcknowledge_ActionButtonsDisabledWithReason()
    {
        var incident = await fx.OpenIncidentAsync();
        var tab = await fx.Browser.OpenAsync(fx.Server.BaseAddress);
        var page = tab.Page;
        await tab.SignInAsync(await fx.KeyAsync("reader", "read"), $"/incidents/{incident.Id}");
        await Expect(page.Locator("body[data-ready=incident]")).ToHaveCountAsync(1);
        var ack = page.Locator("button[data-action=ack]");
        await Expect(ack).ToBeDisabledAsync();
        await Expect(ack).ToHaveAttributeAsync("title", "your key lacks the respond scope");
        await Expect(page.Locator("#propose button[type=submit]")).ToBeDisabledAsync();
        await Expect(page.Locator("button[data-action=publish-postmortem]")).ToBeDisabledAsync();

        // A click on the disabled button (forced past Playwright's own checks) sends nothing and changes nothing.
        await ack.ClickAsync(new() { Force = true });
        await Expect(page.Locator(".meta .badge.state")).ToHaveTextAsync("detected");
        Assert.Equal(IncidentState.Detected, (await fx.Server.Service<IncidentService>().GetAsync(incident.Id))!.State);
        await tab.ScreenshotAsync("incident-read-only");
        await tab.CloseAsync();
    }

    [Fact]
    public async Task OverviewAndCalls_RenderChartsOnCallAndHighlightedCall()
    {
        var incident = await fx.LatencyIncidentAsync();
        var tab = await fx.Browser.OpenAsync(fx.Server.BaseAddress);
        var page = tab.Page;
        await tab.SignInAsync(await fx.KeyAsync("viewer", "read", "read:content"), "/overview?range=3d");
        await Expect(page.Locator("tr[data-row^='support_chat/']").First).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-row^='support_chat/'] canvas").First).ToBeVisibleAsync();
        await Expect(page.Locator("#oncall")).ToBeVisibleAsync();
        await tab.ScreenshotAsync("overview");

        await page.GotoAsync(new Uri(fx.Server.BaseAddress, "/calls?feature=support_chat").ToString());
        await Expect(page.Locator("table.calls tbody tr").First).ToBeVisibleAsync();
        await page.GotoAsync(new Uri(fx.Server.BaseAddress, $"/calls/{incident.ExampleCallIds[0]}").ToString());
        await Expect(page.Locator("#trace .waterfall li.me")).ToHaveCountAsync(1);
        await Expect(page.Locator("#content pre.content").First).ToBeVisibleAsync();
        await tab.ScreenshotAsync("call");
        Assert.Empty(tab.Problems);
        await tab.CloseAsync();
    }

    [Fact]
    public async Task Investigator_ReplaysExampleCallsAgainstANamedTarget_WithoutTypingAUrl()
    {
        var incident = await fx.LatencyIncidentAsync();
        var before = fx.ReplayTarget.Requests.Count;
        var tab = await fx.Browser.OpenAsync(fx.Server.BaseAddress);
        var page = tab.Page;
        await tab.SignInAsync(await fx.KeyAsync("investigator", "read", "read:content", "respond"), $"/incidents/{incident.Id}");
        await Expect(page.Locator("body[data-ready=incident]")).ToHaveCountAsync(1);

        var target = page.Locator("select[name=target]");
        await Expect(target.Locator("option[value=staging]")).ToHaveCountAsync(1);
        await Expect(page.Locator("input[name=target_url]")).ToBeHiddenAsync();
        await target.SelectOptionAsync("staging");
        await page.Locator(".replay-result").Locator("xpath=preceding-sibling::form[1]").Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator(".replay-result pre.json")).ToContainTextAsync("Hello from the mock.");
        Assert.True(fx.ReplayTarget.Requests.Count > before);

        // Choosing an ad-hoc URL shows the URL field; the named list is what most replays use.
        await target.SelectOptionAsync("");
        await Expect(page.Locator("input[name=target_url]")).ToBeVisibleAsync();
        Assert.Empty(tab.Problems);
        await tab.CloseAsync();
    }

    [Fact]
    public async Task Console_NewIncident_ListUpdatesLiveWithoutReload()
    {
        var tab = await fx.Browser.OpenAsync(fx.Server.BaseAddress);
        var page = tab.Page;
        await tab.SignInAsync(await fx.KeyAsync("watcher", "read"));
        await Expect(page.Locator(".live.on")).ToBeVisibleAsync();
        using var body = new StringContent(Incidents.IncidentApiTests.AlertmanagerBody(alertname: "ConsoleLive", fingerprint: "c0ffee"), System.Text.Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/alertmanager") { Content = body };
        await fx.AuthorizeAsync(request, "ingest", "respond");
        using var response = await fx.Server.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await Expect(page.Locator("table.incidents tbody")).ToContainTextAsync("5xx above 5% on gateway");
        Assert.Empty(tab.Problems);
        await tab.CloseAsync();
    }
}
