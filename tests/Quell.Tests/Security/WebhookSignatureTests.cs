using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Quell.Configuration;
using Quell.Security;
using Quell.Storage;
using Quell.Tests.Incidents;
using Quell.Tests.Server;

namespace Quell.Tests.Security;

/// <summary>Inbound webhooks: HMAC-SHA256 signatures per source, replay tolerance on the server's clock, Alertmanager's static credentials.</summary>
public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec-6f1c2a9e4b7d";
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static QuellConfig Signed(string source, string? secretEnv = null) => new()
    {
        Incidents = new IncidentsConfig { Grouping = new GroupingConfig { GroupWait = TimeSpan.Zero } },
        Security = new SecurityConfig
        {
            Webhooks = new Dictionary<string, InboundWebhookConfig>
            {
                [source] = secretEnv is null ? new InboundWebhookConfig { Secret = Secret } : new InboundWebhookConfig { SecretEnv = secretEnv },
            },
        },
    };

    private static string Change(string id) => $$"""[{"id":"{{id}}","kind":"deploy","timestamp":"{{Now.AddMinutes(-1):O}}","description":"prompt v13 to support_chat"}]""";

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;

    [Fact]
    public async Task Changes_GitHubStyleSignature_ValidAcceptedWrongOrMissingRefused401()
    {
        await using var server = await QuellTestServer.StartAsync(Signed(InboundWebhookSources.Changes), new FakeTimeProvider(Now));
        var ci = server.ClientWith(Scopes.Ingest);
        var body = Change("chg-signed");

        var ok = await PostAsync(ci, "/api/v1/changes", body, (InboundSignatures.HubHeader, InboundSignatures.SignBodyOnly(Secret, Encoding.UTF8.GetBytes(body))));
        var wrongSecret = await PostAsync(ci, "/api/v1/changes", Change("chg-forged"), (InboundSignatures.HubHeader, InboundSignatures.SignBodyOnly("not-the-secret", Encoding.UTF8.GetBytes(Change("chg-forged")))));
        var tampered = await PostAsync(ci, "/api/v1/changes", Change("chg-tampered"), (InboundSignatures.HubHeader, InboundSignatures.SignBodyOnly(Secret, Encoding.UTF8.GetBytes(body))));
        var missing = await PostAsync(ci, "/api/v1/changes", Change("chg-unsigned"));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Contains("does not match the body", await DetailAsync(wrongSecret), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Contains("needs a signature", await DetailAsync(missing), StringComparison.Ordinal);
        var stored = await server.Service<IChangeLog>().QueryAsync(Now.AddHours(-1), Now.AddHours(1), null, 10);
        Assert.Equal(["chg-signed"], stored.Select(c => c.Id).ToList());
    }

    [Fact]
    public async Task Evals_TimestampedSignature_AcceptedOnceWithinTolerance_ReplaysRefused()
    {
        var time = new FakeTimeProvider(Now);
        await using var server = await QuellTestServer.StartAsync(Signed(InboundWebhookSources.Evals), time);
        var grader = server.ClientWith(Scopes.Ingest);
        var body = $$"""[{"suite":"golden","case":"c1","passed":true,"feature":"support_chat","timestamp":"{{Now.AddMinutes(-1):O}}"}]""";
        var signature = InboundSignatures.SignTimestamped(Secret, time.GetUtcNow(), Encoding.UTF8.GetBytes(body));

        var fresh = await PostAsync(grader, "/api/v1/evals", body, (InboundSignatures.QuellHeader, signature));
        time.Advance(TimeSpan.FromMinutes(4));
        var late = InboundSignatures.SignTimestamped(Secret, Now, Encoding.UTF8.GetBytes(body.Replace("c1", "c2", StringComparison.Ordinal)));
        var lateButInside = await PostAsync(grader, "/api/v1/evals", body.Replace("c1", "c2", StringComparison.Ordinal), (InboundSignatures.QuellHeader, late));
        var replayedInside = await PostAsync(grader, "/api/v1/evals", body, (InboundSignatures.QuellHeader, signature));
        time.Advance(TimeSpan.FromMinutes(2));
        var replayed = await PostAsync(grader, "/api/v1/evals", body, (InboundSignatures.QuellHeader, signature));
        var future = await PostAsync(grader, "/api/v1/evals", body, (InboundSignatures.QuellHeader, InboundSignatures.SignTimestamped(Secret, time.GetUtcNow().AddMinutes(10), Encoding.UTF8.GetBytes(body))));
        var otherSecret = await PostAsync(grader, "/api/v1/evals", body, (InboundSignatures.QuellHeader, InboundSignatures.SignTimestamped("wrong", time.GetUtcNow(), Encoding.UTF8.GetBytes(body))));
        var malformed = await PostAsync(grader, "/api/v1/evals", body, (InboundSignatures.QuellHeader, "v1=abc"));

        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(HttpStatusCode.OK, lateButInside.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayedInside.StatusCode);
        Assert.Contains("already used", await DetailAsync(replayedInside), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("360 s old, outside the 300 s tolerance", await DetailAsync(replayed), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, future.StatusCode);
        Assert.Contains("ahead", await DetailAsync(future), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, otherSecret.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, malformed.StatusCode);
        Assert.Contains("malformed", await DetailAsync(malformed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feedback_SecretFromEnvironment_SignedAcceptedUnsignedRefused()
    {
        var variable = $"QUELL_TEST_FEEDBACK_SECRET_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, Secret);
        try
        {
            await using var server = await QuellTestServer.StartAsync(Signed(InboundWebhookSources.Feedback, variable), new FakeTimeProvider(Now));
            var app = server.ClientWith(Scopes.Ingest);
            var body = $$"""[{"call_id":"c1","thumbs_up":false,"timestamp":"{{Now.AddMinutes(-1):O}}"}]""";

            var signed = await PostAsync(app, "/api/v1/feedback", body, (InboundSignatures.QuellHeader, InboundSignatures.SignTimestamped(Secret, Now, Encoding.UTF8.GetBytes(body))));
            var unsigned = await PostAsync(app, "/api/v1/feedback", body);

            Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Start_SecretEnvUnset_FailsNamingTheVariable()
    {
        var variable = $"QUELL_TEST_UNSET_{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAnyAsync<Exception>(() => QuellTestServer.StartAsync(Signed(InboundWebhookSources.Changes, variable)));

        Assert.Contains(variable, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changes_NoSecretConfigured_KeyAloneSuffices()
    {
        await using var server = await QuellTestServer.StartAsync(time: new FakeTimeProvider(Now));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(server.ClientWith(Scopes.Ingest), "/api/v1/changes", Change("chg-plain"))).StatusCode);
    }

    [Fact]
    public async Task Alertmanager_IngestOnlyKeyAsBearerOrBasicAuth_Accepted_ReadKeyRefused()
    {
        await using var server = await QuellTestServer.StartAsync(Signed(InboundWebhookSources.Changes));
        var key = server.MintKey([Scopes.Ingest], name: "alertmanager");

        // http_config: { authorization: { credentials: qk_… } }
        var bearer = await server.ClientWithKey(key).PostAsync("/api/v1/alertmanager", new StringContent(IncidentApiTests.AlertmanagerBody(), Encoding.UTF8, "application/json"));

        // http_config: { basic_auth: { username: alertmanager, password: qk_… } }
        var basic = server.AnonymousClient();
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"alertmanager:{key}")));
        var viaBasic = await basic.PostAsync("/api/v1/alertmanager", new StringContent(IncidentApiTests.AlertmanagerBody(fingerprint: "f00d"), Encoding.UTF8, "application/json"));

        var wrongBasic = server.AnonymousClient();
        wrongBasic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alertmanager:qk_nope")));
        var reader = await server.ClientWith(Scopes.Read).PostAsync("/api/v1/alertmanager", new StringContent(IncidentApiTests.AlertmanagerBody(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viaBasic.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongBasic.PostAsync("/api/v1/alertmanager", new StringContent(IncidentApiTests.AlertmanagerBody(), Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.ClientWithKey(key).GetAsync("/api/v1/incidents")).StatusCode);
    }
}
