using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Configuration;
using Quell.Server;

namespace Quell.Tests.Server;

/// <summary>A real Quell server on Kestrel (127.0.0.1, port 0) over a SQLite file in a fresh temp folder.</summary>
public sealed class QuellTestServer : IAsyncDisposable
{
    private QuellTestServer(WebApplication app, string dataDirectory)
    {
        App = app;
        DataDirectory = dataDirectory;
        Client = new HttpClient { BaseAddress = app.BoundAddress() };
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public HttpClient Client { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<QuellTestServer> StartAsync(QuellConfig? config = null, TimeProvider? time = null, string? dataDirectory = null)
    {
        var dir = dataDirectory ?? TempDirectory.Create();
        var app = QuellServer.Build(new QuellServerOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = dir,
            Config = config ?? new QuellConfig(),
            Time = time ?? TimeProvider.System,
        });
        await app.StartAsync();
        return new QuellTestServer(app, dir);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
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
