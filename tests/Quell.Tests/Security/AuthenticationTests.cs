using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Quell.Configuration;
using Quell.Security;
using Quell.Server;
using Quell.Tests.Server;

namespace Quell.Tests.Security;

/// <summary>API keys on a real server: on by default, bearer or x-api-key, hashed at rest, revocation at once, first-start admin key.</summary>
public sealed class AuthenticationTests
{
    [Fact]
    public async Task Request_WithoutKey_Returns401ProblemWithBearerChallenge()
    {
        await using var server = await QuellTestServer.StartAsync();
        var response = await server.AnonymousClient().GetAsync("/api/v1/calls?tenant=acme");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_WithoutKey_IsServed()
    {
        await using var server = await QuellTestServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.AnonymousClient().GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Metrics_WithoutKey_RefusedUnlessConfigured()
    {
        await using var closed = await QuellTestServer.StartAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await closed.AnonymousClient().GetAsync("/metrics")).StatusCode);

        await using var open = await QuellTestServer.StartAsync(new Configuration.QuellConfig { Security = new SecurityConfig { AnonymousMetrics = true } });
        Assert.Equal(HttpStatusCode.OK, (await open.AnonymousClient().GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Key_AsBearerOrXApiKey_IsAccepted()
    {
        await using var server = await QuellTestServer.StartAsync();
        var bearer = server.AnonymousClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("bearer", server.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/v1/calls")).StatusCode);

        var header = server.AnonymousClient();
        header.DefaultRequestHeaders.Add("x-api-key", server.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await header.GetAsync("/api/v1/calls")).StatusCode);
    }

    [Fact]
    public async Task Key_Unknown_Returns401InvalidToken()
    {
        await using var server = await QuellTestServer.StartAsync();
        var response = await server.ClientWithKey(ApiKeySecret.New()).GetAsync("/api/v1/calls");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_Revoked_IsRefusedOnItsNextRequest()
    {
        await using var server = await QuellTestServer.StartAsync();
        var keys = server.Service<ApiKeyService>();
        var created = keys.Create(new ApiKeyRequest("ci-reader", [Scopes.Read]), "tests");
        var client = server.ClientWithKey(created.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/alerts")).StatusCode);

        Assert.True(keys.Revoke(created.Key.Id, "tests"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/alerts")).StatusCode);
        Assert.False(keys.Revoke(created.Key.Id, "tests"));
    }

    [Fact]
    public async Task Key_AtRest_OnlyItsSha256IsStored()
    {
        await using var server = await QuellTestServer.StartAsync();
        var created = server.Service<ApiKeyService>().Create(new ApiKeyRequest("ingest-acme", [Scopes.Ingest], Tenant: "acme"), "tests");

        Assert.StartsWith("qk_", created.Secret, StringComparison.Ordinal);
        Assert.Equal(43, created.Secret.Length);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "quell.db")}");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT hash, prefix FROM api_keys WHERE name = 'ingest-acme'";
        using var reader = cmd.ExecuteReader();
        Assert.True(reader.Read());
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(created.Secret)));
        Assert.Equal(expected, reader.GetString(0));
        Assert.Equal(created.Secret[..9], reader.GetString(1));
        reader.Close();
        var bytes = await File.ReadAllBytesAsync(Path.Combine(server.DataDirectory, "quell.db"));
        var wal = Path.Combine(server.DataDirectory, "quell.db-wal");
        var all = File.Exists(wal) ? [.. bytes, .. await File.ReadAllBytesAsync(wal)] : bytes;
        Assert.DoesNotContain(created.Secret, System.Text.Encoding.UTF8.GetString(all), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstStart_WithoutOperatorKey_CreatesAdminKeyShownOnce()
    {
        var dir = TempDirectory.Create();
        var shown = new List<string>();
        await StartStopAsync(dir, null, shown);
        await StartStopAsync(dir, null, shown);

        var secret = Assert.Single(shown);
        Assert.StartsWith("qk_", secret, StringComparison.Ordinal);
        await using var server = await QuellTestServer.StartAsync(dataDirectory: dir);
        Assert.Equal(HttpStatusCode.OK, (await server.ClientWithKey(secret).GetAsync("/api/v1/incidents")).StatusCode);
    }

    [Fact]
    public async Task OperatorKey_RevokedOnce_StaysRevokedAcrossRestarts()
    {
        var dir = TempDirectory.Create();
        var operatorKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using (var first = await QuellTestServer.StartAsync(dataDirectory: dir, adminKey: operatorKey))
        {
            var keys = first.Service<ApiKeyService>();
            var id = keys.List().Single(k => k.Hash == ApiKeySecret.Hash(operatorKey)).Id;
            Assert.True(keys.Revoke(id, "tests"));
        }

        await using var second = await QuellTestServer.StartAsync(dataDirectory: dir, adminKey: operatorKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.ClientWithKey(operatorKey).GetAsync("/api/v1/incidents")).StatusCode);
    }

    [Fact]
    public async Task RequireApiKeysOff_AnonymousCallerActsAsAdmin()
    {
        await using var server = await QuellTestServer.StartAsync(new Configuration.QuellConfig { Security = new SecurityConfig { RequireApiKeys = false } });
        Assert.Equal(HttpStatusCode.OK, (await server.AnonymousClient().GetAsync("/api/v1/calls")).StatusCode);
    }

    [Fact]
    public async Task Cli_WithApiKeyOption_ReachesServer_WithoutKeyIsRefused()
    {
        await using var server = await QuellTestServer.StartAsync();
        var url = server.BaseAddress.ToString();

        Assert.Equal(0, await Cli.QuellCli.RunAsync(["incidents", "list", "--json", "--server", url, "--api-key", server.AdminKey]));
        Assert.Equal(1, await Cli.QuellCli.RunAsync(["incidents", "list", "--json", "--server", url, "--api-key", ApiKeySecret.New()]));
    }

    private static async Task StartStopAsync(string dir, string? adminKey, List<string> shown)
    {
        var app = QuellServer.Build(new QuellServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = dir, AdminKey = adminKey, AdminKeyCreated = shown.Add });
        await app.StartAsync();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
