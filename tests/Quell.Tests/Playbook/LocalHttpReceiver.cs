using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Quell.Server;

namespace Quell.Tests.Playbook;

/// <summary>A real HTTP endpoint on Kestrel (127.0.0.1, port 0) for status pages, model APIs and app endpoints.</summary>
public sealed class LocalHttpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalHttpReceiver(WebApplication app)
    {
        _app = app;
        BaseAddress = app.BoundAddress();
    }

    public Uri BaseAddress { get; }

    public static async Task<LocalHttpReceiver> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new LocalHttpReceiver(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
