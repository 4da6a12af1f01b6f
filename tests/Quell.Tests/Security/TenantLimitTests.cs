using System.Net;
using System.Text;
using System.Text.Json;
using Quell.Alerts;
using Quell.Security;
using Quell.Storage;
using Quell.Tests.Postmortems;

namespace Quell.Tests.Security;

/// <summary>A key limited to tenant acme reads only what involves acme, on every route, with other tenants' names replaced.</summary>
public sealed class TenantLimitTests
{
    private const string Other = "globex";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private sealed record Seeded(FixAndLearnServer Server, string Shared, string OtherOnly, string NoTenant);

    private static async Task<Seeded> SeedAsync()
    {
        var s = await FixAndLearnServer.StartAsync();
        var shared = await s.OpenAsync(FixAndLearnServer.Signal("data", "support_chat", "fp-shared", $"acme answers carry {Other} documents", signal: "cross_tenant_leak",
            labels: new Dictionary<string, string> { ["feature"] = "support_chat", ["tenants"] = $"acme,{Other}", ["owners"] = Other }) with { AffectedTenants = ["acme", Other] });
        var otherOnly = await s.OpenAsync(FixAndLearnServer.Signal("cost", "search", "fp-other", $"{Other} spend tripled", signal: "cost_per_call",
            labels: new Dictionary<string, string> { ["feature"] = "search", ["tenant"] = Other }) with { AffectedTenants = [Other] });
        var noTenant = await s.OpenAsync(FixAndLearnServer.Signal("latency", "gateway", "fp-infra", "p99 up on the gateway", signal: "latency_p99") with { AffectedTenants = [] });
        foreach (var id in new[] { shared, otherOnly, noTenant })
        {
            Assert.Equal(HttpStatusCode.OK, (await s.Client.PostAsync($"/api/v1/postmortems/{id}/draft", Json("{}"))).StatusCode);
        }

        var alerts = s.Server.Service<IAlertStore>();
        await alerts.UpsertAsync(MakeAlert("al-shared", "cross_tenant_leak", new() { ["feature"] = "support_chat", ["tenants"] = $"acme,{Other}" }, $"acme answers carry {Other} documents"));
        await alerts.UpsertAsync(MakeAlert("al-other", "cost_per_call", new() { ["feature"] = "search", ["tenant"] = Other }, $"{Other} spend tripled"));

        foreach (var tenant in new[] { "acme", Other })
        {
            var created = await s.Client.PostAsync("/api/v1/mitigations", Json($$"""{"kind":"block","scope":{"feature":"support_chat","tenant":"{{tenant}}"},"reason":"leak of {{tenant}}","mode":"apply"}"""));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, (await s.Client.PostAsync("/api/v1/mitigations", Json("""{"kind":"disable","scope":{"feature":"support_chat"},"reason":"kill switch","mode":"apply"}"""))).StatusCode);
        return new Seeded(s, shared, otherOnly, noTenant);
    }

    private static Alert MakeAlert(string id, string signal, Dictionary<string, string> labels, string summary) => new()
    {
        Id = id,
        Category = AlertCategory.Data,
        Signal = signal,
        Labels = labels,
        Observed = 3,
        Baseline = 0,
        OnsetEstimate = FixAndLearnServer.Start.AddMinutes(-5),
        FiredAt = FixAndLearnServer.Start,
        Fingerprint = $"fp-{id}",
        Summary = summary,
        Attribution = new Attribution(summary, []),
    };

    private static async Task<(HttpStatusCode Status, string Text)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static List<string> Ids(string json, string property = "id") =>
        JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.GetProperty(property).GetString()!).ToList();

    [Fact]
    public async Task IncidentsAlertsPostmortems_AcmeKey_SeesOnlyAcmeWithOtherTenantsReplaced()
    {
        var seeded = await SeedAsync();
        await using var s = seeded.Server;
        var acme = s.Server.ClientWithKey(s.Server.MintKey([Scopes.Read], readTenants: ["acme"]));

        var list = await GetAsync(acme, "/api/v1/incidents");
        Assert.Equal([seeded.Shared], Ids(list.Text));
        var detail = await GetAsync(acme, $"/api/v1/incidents/{seeded.Shared}");
        Assert.Equal(HttpStatusCode.OK, detail.Status);
        Assert.Contains(TenantView.OtherTenant, detail.Text, StringComparison.Ordinal);
        Assert.Contains("acme", detail.Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(acme, $"/api/v1/incidents/{seeded.OtherOnly}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(acme, $"/api/v1/incidents/{seeded.NoTenant}")).Status);

        var alerts = await GetAsync(acme, "/api/v1/alerts");
        Assert.Equal(["al-shared"], Ids(alerts.Text));
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(acme, "/api/v1/alerts/al-other")).Status);

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(acme, $"/api/v1/postmortems/{seeded.Shared}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(acme, $"/api/v1/postmortems/{seeded.OtherOnly}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(acme, $"/api/v1/postmortems/{seeded.OtherOnly}/export")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(acme, $"/api/v1/incidents/{seeded.OtherOnly}/verification")).Status);

        var mitigations = JsonDocument.Parse((await GetAsync(acme, "/api/v1/mitigations")).Text).RootElement.GetProperty("mitigations");
        Assert.Equal(2, mitigations.GetArrayLength());

        var walked = new[]
        {
            list, detail, alerts,
            await GetAsync(acme, $"/api/v1/postmortems/{seeded.Shared}"),
            await GetAsync(acme, $"/api/v1/postmortems/{seeded.Shared}/export"),
            await GetAsync(acme, $"/api/v1/postmortems/{seeded.Shared}/versions"),
            await GetAsync(acme, "/api/v1/alerts/al-shared"),
            await GetAsync(acme, "/api/v1/search?q=spend"),
            await GetAsync(acme, "/api/v1/search?q=documents"),
            await GetAsync(acme, $"/api/v1/search?similar_to={seeded.Shared}"),
            await GetAsync(acme, "/api/v1/report"),
            await GetAsync(acme, "/api/v1/mitigations"),
            await GetAsync(acme, "/api/v1/mitigations?include=proposed"),
            await GetAsync(acme, "/api/v1/mitigations/audit"),
            await GetAsync(acme, "/api/v1/isolation/results"),
        };
        Assert.All(walked, r => Assert.True(r.Status == HttpStatusCode.OK, r.Text));
        Assert.All(walked, r => Assert.DoesNotContain(Other, r.Text, StringComparison.Ordinal));
        Assert.Equal(1, JsonDocument.Parse(walked[10].Text).RootElement.GetProperty("incidents").GetInt32());

        // The same routes for an unlimited reader show every tenant.
        var everyone = s.Server.ClientWith(Scopes.Read);
        Assert.Equal(3, Ids((await GetAsync(everyone, "/api/v1/incidents")).Text).Count);
        Assert.Contains(Other, (await GetAsync(everyone, $"/api/v1/incidents/{seeded.Shared}")).Text, StringComparison.Ordinal);
        Assert.Equal(3, JsonDocument.Parse((await GetAsync(everyone, "/api/v1/mitigations")).Text).RootElement.GetProperty("mitigations").GetArrayLength());
    }

    [Fact]
    public async Task AggregatesAndCommands_AcmeKey_RefusedOrNotFound()
    {
        var seeded = await SeedAsync();
        await using var s = seeded.Server;
        var acme = s.Server.ClientWithKey(s.Server.MintKey([Scopes.Read, Scopes.Respond], readTenants: ["acme"]));

        foreach (var path in new[] { "/api/v1/console/overview", $"/api/v1/console/incidents/{seeded.Shared}/series", "/api/v1/investigations/top-cost-flows", "/api/v1/investigations/breakdown?dimension=tenant" })
        {
            var (status, text) = await GetAsync(acme, path);
            Assert.True(status == HttpStatusCode.Forbidden, $"{path}: {(int)status}");
            Assert.Contains("aggregates every tenant", text, StringComparison.Ordinal);
        }

        var runbook = await acme.PostAsync("/api/v1/runbooks/run", Json($$"""{"incident_id":"{{seeded.Shared}}","category":"data","signal":"cross_tenant_leak","onset":"{{FixAndLearnServer.Start:O}}"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, runbook.StatusCode);
        var investigator = s.Server.ClientWithKey(s.Server.MintKey([Scopes.ReadContent], readTenants: ["acme"]));
        Assert.Equal(HttpStatusCode.Forbidden, (await investigator.PostAsync("/api/v1/replay", Json("""{"feature":"support_chat","target":"staging"}"""))).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await s.Client.PostAsync("/api/v1/silences", Json($$"""{"matchers":["tenant={{Other}}"],"duration":"1h","comment":"{{Other}} migration"}"""))).StatusCode);
        var silences = await GetAsync(acme, "/api/v1/silences");
        Assert.Equal(HttpStatusCode.OK, silences.Status);
        Assert.DoesNotContain(Other, silences.Text, StringComparison.Ordinal);
        Assert.Contains(TenantView.OtherTenant, silences.Text, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostAsync($"/api/v1/incidents/{seeded.OtherOnly}/ack", Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await acme.PostAsync($"/api/v1/incidents/{seeded.Shared}/ack", Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.Server.ClientWith(Scopes.Read).GetAsync("/api/v1/console/overview")).StatusCode);
    }
}
