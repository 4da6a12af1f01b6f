using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Calls;
using Quell.Configuration;
using Quell.Incidents;
using Quell.Notifications;
using Quell.Postmortems;
using Quell.Response;
using Quell.Server.Postmortems;

namespace Quell.Tests.Postmortems;

/// <summary>Post-mortems drafted from a recorded incident, edited in versions, exported, reminded; incident memory search and the report.</summary>
public sealed class PostmortemTests
{
    private static readonly DateTimeOffset T0 = FixAndLearnServer.Start;

    // The recorded incidents are written by hand; the live findings monitor stays quiet so it does not reopen them.
    private static Task<FixAndLearnServer> StartAsync() =>
        FixAndLearnServer.StartAsync(c => c with
        {
            Postmortems = new PostmortemsConfig { CheckInterval = TimeSpan.FromDays(40) },
            ContentAlerts = new Quell.Detection.ContentAlertRules { ImmediateKinds = [], PiiLeakCalls = int.MaxValue },
        });

    private static CallRecord Call(string id, DateTimeOffset at, string tenant, string user, string feature = "support_chat", bool flagged = true) => new()
    {
        Id = id, Timestamp = at, Tenant = tenant, User = user, Feature = feature, Input = "What does my contract say?", Output = "Per the contract of another customer…", CostUsd = 0.01,
        Findings = flagged ? [new CallFinding("output", "cross_tenant", "FOREIGN_DOCUMENT", 0, 5, 0.9, "Per t…", "globex")] : [],
    };

    private static async Task<string> RecordedIncidentAsync(FixAndLearnServer s)
    {
        await s.AppendAsync(
            Call("c1", T0.AddMinutes(-3), "acme", "u1"),
            Call("c2", T0.AddMinutes(-2), "acme", "u2"),
            Call("c3", T0.AddMinutes(-1), "initech", "u3"),
            Call("c4", T0.AddMinutes(10), "acme", "u1"),
            Call("c5", T0.AddMinutes(20), "initech", "u3"),
            Call("old", T0.AddHours(-3), "acme", "u9"),
            Call("other", T0.AddMinutes(5), "acme", "u8", feature: "planner", flagged: false));
        var id = await s.OpenAsync(FixAndLearnServer.Signal("data", "support_chat", "fp-xt", "Cross-tenant documents in support_chat answers", ["c1", "c2"], signal: "cross_tenant_leak"));
        s.Time.Advance(TimeSpan.FromMinutes(3));
        await s.RunAsync(id, (m, i) => m.Acknowledge(i, "alice"));
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Mitigating, "alice", "kill switch on support_chat retrieval"));
        s.Time.Advance(TimeSpan.FromMinutes(30));
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Investigating, "alice", null));
        await s.RunAsync(id, (m, i) => m.Record(i, "finding", "change correlation: deploy retrieval-v42 removed the tenant_id filter 6 min before onset", "runbook"));
        await s.RunAsync(id, (m, i) => m.AddNote(i, "Root cause: the retrieval query lost its tenant filter in the v42 refactor", "bob"));
        s.Time.Advance(TimeSpan.FromHours(2));
        await s.RunAsync(id, (m, i) => m.Resolve(i, "alice", "filter restored, cache flushed"));
        return id;
    }

    [Fact]
    public async Task Draft_RecordedIncident_HasImpactTimelineAndRootCause()
    {
        await using var s = await StartAsync();
        var id = await RecordedIncidentAsync(s);

        var pm = await s.GetJsonAsync($"/api/v1/postmortems/{id}");

        Assert.Equal(1, pm.GetProperty("version").GetInt32());
        var impact = pm.GetProperty("impact");
        Assert.Equal(5, impact.GetProperty("calls").GetInt64());
        Assert.Equal(3, impact.GetProperty("users").GetInt64());
        Assert.Equal(2, impact.GetProperty("tenants").GetInt64());
        Assert.Equal(0.05, impact.GetProperty("cost_usd").GetDouble(), 6);
        var root = pm.GetProperty("root_cause").GetString()!;
        Assert.Contains("removed the tenant_id filter", root, StringComparison.Ordinal);
        Assert.Contains("lost its tenant filter in the v42 refactor", root, StringComparison.Ordinal);
        var timeline = pm.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("text").GetString()!).ToList();
        Assert.Contains(timeline, t => t.Contains("kill switch on support_chat retrieval", StringComparison.Ordinal));
        Assert.Contains(timeline, t => t.Contains("filter restored", StringComparison.Ordinal));
        Assert.Contains("data", pm.GetProperty("summary").GetString()!, StringComparison.Ordinal);
        Assert.Contains("tenant-isolation", pm.GetProperty("detection").GetString()!, StringComparison.Ordinal);
        Assert.Equal((T0 + TimeSpan.FromMinutes(33) + TimeSpan.FromHours(2) + TimeSpan.FromDays(14)).UtcDateTime, pm.GetProperty("due_at").GetDateTimeOffset().UtcDateTime);
        Assert.Contains(await s.TimelineAsync(id), e => e.Kind == PostmortemService.TimelineKind && e.Message.Contains("drafted", StringComparison.Ordinal));

        var md = await s.Client.GetStringAsync($"/api/v1/postmortems/{id}/export");
        Assert.Contains("## Root cause", md, StringComparison.Ordinal);
        Assert.Contains("| 5 | 0 | 5 | 3 | 2 | $0.05 |", md, StringComparison.Ordinal);
        Assert.Contains("blameless", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_Edit_StoresNewVersionAndTracksActionItems()
    {
        await using var s = await StartAsync();
        var id = await RecordedIncidentAsync(s);
        _ = await s.GetJsonAsync($"/api/v1/postmortems/{id}");

        var body = """{"root_cause":"Retrieval lost the tenant filter.","status":"review","action_items":[{"id":"a1","text":"Add tenant-isolation test to CI","owner":"bob","due_at":"2026-03-20T00:00:00Z","status":"done"},{"text":"Canaries in every tenant","owner":"carol"}],"updated_by":"alice"}""";
        var put = await s.Server.ClientAs("alice", Quell.Security.Scopes.Respond).PutAsync($"/api/v1/postmortems/{id}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var saved = await put.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(2, saved.GetProperty("version").GetInt32());
        Assert.Equal("alice", saved.GetProperty("updated_by").GetString());
        Assert.Equal("Retrieval lost the tenant filter.", saved.GetProperty("root_cause").GetString());
        Assert.NotEqual(JsonValueKind.Null, saved.GetProperty("action_items")[0].GetProperty("done_at").ValueKind);
        Assert.Equal("a2", saved.GetProperty("action_items")[1].GetProperty("id").GetString());
        Assert.Equal(2, (await s.GetJsonAsync($"/api/v1/postmortems/{id}/versions")).GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await s.Client.PutAsync($"/api/v1/postmortems/{id}", new StringContent("""{"status":"shipped"}""", System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        var report = await s.GetJsonAsync($"/api/v1/report?from={T0.AddDays(-1):yyyy-MM-dd}&to={T0.AddDays(1):yyyy-MM-dd}");
        Assert.Equal(1, report.GetProperty("by_category").GetProperty("data").GetInt32());
        var open = report.GetProperty("open_action_items");
        Assert.Equal(1, open.GetArrayLength());
        Assert.Equal("carol", open[0].GetProperty("owner").GetString());
        Assert.Equal(180, report.GetProperty("times").GetProperty("to_acknowledge").GetProperty("median_seconds").GetDouble());
    }

    [Fact]
    public async Task Remind_BeforeAndAfterDeadline_NotifiesOnceEachThroughOutbox()
    {
        await using var s = await StartAsync();
        var id = await RecordedIncidentAsync(s);
        var service = s.Server.Service<PostmortemService>();
        _ = await s.GetJsonAsync($"/api/v1/postmortems/{id}");

        Assert.Equal(0, await service.RemindAsync());
        s.Time.Advance(TimeSpan.FromDays(12));
        Assert.Equal(1, await service.RemindAsync());
        Assert.Equal(0, await service.RemindAsync());
        s.Time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(1, await service.RemindAsync());

        var notes = (await s.Server.Service<INotificationOutbox>().ForIncidentAsync(id)).Select(n => n.Notification.Message.Text).ToList();
        Assert.Contains(notes, t => t.Contains("is due", StringComparison.Ordinal));
        Assert.Contains(notes, t => t.Contains("overdue", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenIncident_SimilarPastIncident_RanksFirstAndIsLinked()
    {
        await using var s = await StartAsync();
        var similar = await RecordedIncidentAsync(s);
        foreach (var (category, feature, fp, title, signal) in new[]
        {
            ("latency", "search", "fp-d1", "p95 latency spike on search after vendor degradation", "latency_p95"),
            ("cost", "planner", "fp-d2", "Cost blowup from agent loop in planner", "cost_per_call"),
            ("abuse", "support_chat", "fp-d3", "Prompt injection campaign against support_chat", "injection_rate"),
        })
        {
            var decoy = await s.OpenAsync(FixAndLearnServer.Signal(category, feature, fp, title, signal: signal));
            await s.RunAsync(decoy, (m, i) => m.Resolve(i, "dave", null));
        }

        s.Time.Advance(TimeSpan.FromDays(30));
        var change = await s.Incidents.IngestSignalAsync(FixAndLearnServer.Signal("data", "support_chat", "fp-new", "Documents of another tenant in support_chat answers", at: s.Time.GetUtcNow(), signal: "canary_leak"));
        var fresh = (await s.Incidents.GetAsync(change!.Incident.Id))!;

        Assert.Equal(similar, fresh.Related[0]);
        Assert.Contains(await s.TimelineAsync(fresh.Id), e => e.Kind == PostmortemService.SimilarKind && e.Message.Contains($"/api/v1/postmortems/{similar}", StringComparison.Ordinal));
        var hits = await s.GetJsonAsync("/api/v1/search?q=tenant%20documents%20leak");
        Assert.Contains(similar, hits.EnumerateArray().Take(3).Select(h => h.GetProperty("id").GetString()));
        var tenantFilter = await s.GetJsonAsync("/api/v1/search?q=tenant%20filter%20v42");
        Assert.Equal(similar, tenantFilter[0].GetProperty("id").GetString());
    }
}
