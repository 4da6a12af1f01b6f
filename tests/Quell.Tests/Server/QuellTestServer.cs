using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Configuration;
using Quell.Security;
using Quell.Server;

namespace Quell.Tests.Server;

/// <summary>
/// A real Quell server on Kestrel (127.0.0.1, port 0) over a SQLite file in a fresh temp folder.
/// Authentication is on, as in production. <see cref="Client"/> sends the server's admin key (every scope);
/// <c>ClientWith(Scopes.Read)</c> mints a key with only the scopes given (tenant limits optional) and returns a client
/// sending it; <see cref="AnonymousClient"/> sends no key; <see cref="AdminKey"/> is the secret for other clients
/// (Quell.Client's <c>ApiKey</c>, OTLP exporter headers, the CLI's <c>--api-key</c>).
/// </summary>
public sealed class QuellTestServer : IAsyncDisposable
{
    private readonly List<HttpClient> _clients = [];
    private readonly Dictionary<string, HttpClient> _named = new(StringComparer.Ordinal);

    private QuellTestServer(WebApplication app, string dataDirectory, string adminKey)
    {
        App = app;
        DataDirectory = dataDirectory;
        AdminKey = adminKey;
        Client = ClientWithKey(adminKey);
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    /// <summary>The secret of this server's admin key.</summary>
    public string AdminKey { get; }

    /// <summary>A client sending the admin key.</summary>
    public HttpClient Client { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>Creates a key with these scopes and returns its secret.</summary>
    public string MintKey(IReadOnlyList<string> scopes, string? tenant = null, IReadOnlyList<string>? readTenants = null, string? name = null) =>
        Service<ApiKeyService>().Create(new ApiKeyRequest(name ?? $"test-{Guid.NewGuid():N}"[..17], scopes, tenant, readTenants), "tests").Secret;

    /// <summary>A client whose key holds exactly these scopes.</summary>
    public HttpClient ClientWith(params string[] scopes) => ClientWithKey(MintKey(scopes));

    /// <summary>A client acting as the key named <paramref name="name"/>, minted with these scopes on first use.</summary>
    public HttpClient ClientAs(string name, params string[] scopes)
    {
        lock (_named)
        {
            if (!_named.TryGetValue(name, out var client))
            {
                client = ClientWithKey(MintKey(scopes, name: name));
                _named[name] = client;
            }

            return client;
        }
    }

    /// <summary>A client sending this secret as a bearer token.</summary>
    public HttpClient ClientWithKey(string secret)
    {
        var client = AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>A client sending no credential.</summary>
    public HttpClient AnonymousClient()
    {
        var client = new HttpClient { BaseAddress = App.BoundAddress() };
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    public static async Task<QuellTestServer> StartAsync(QuellConfig? config = null, TimeProvider? time = null, string? dataDirectory = null, string? adminKey = null, Quell.Ingest.IngestWriteGate? writeGate = null, string? postgres = null)
    {
        var dir = dataDirectory ?? TempDirectory.Create();
        adminKey ??= ApiKeySecret.New();
        var app = QuellServer.Build(new QuellServerOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = dir,
            Config = config ?? new QuellConfig(),
            Time = time ?? TimeProvider.System,
            AdminKey = adminKey,
            IngestWriteGate = writeGate,
            Postgres = postgres,
        });
        await app.StartAsync();
        return new QuellTestServer(app, dir, adminKey);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
        }

        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Fresh temporary folders for stores.</summary>
public static class TempDirectory
{
    public static string Create()
    {
        var dir = Path.Combine(Path.GetTempPath(), "quell-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
