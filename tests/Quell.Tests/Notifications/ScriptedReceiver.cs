using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Quell.Server;

namespace Quell.Tests.Notifications;

/// <summary>A tiny HTTP receiver on 127.0.0.1 port 0 that records requests and answers scripted statuses (default 202).</summary>
public sealed class ScriptedReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task<int>>> _script = new();
    private readonly ConcurrentQueue<TaskCompletionSource<ReceivedRequest>> _waiters = new();

    private ScriptedReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public Uri BaseAddress => _app.BoundAddress();

    public int DefaultStatus { get; set; } = 202;

    public static async Task<ScriptedReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new ScriptedReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The next requests get these statuses, in order; a 429 carries Retry-After when given.</summary>
    public void Answer(int status, int? retryAfterSeconds = null) => _script.Enqueue(ctx =>
    {
        if (retryAfterSeconds is { } s)
        {
            ctx.Response.Headers.RetryAfter = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Task.FromResult(status);
    });

    /// <summary>The next request is held until <paramref name="release"/> completes, then answered with its status.</summary>
    public void Hold(Task<int> release, TaskCompletionSource arrived) => _script.Enqueue(async _ =>
    {
        arrived.TrySetResult();
        return await release;
    });

    /// <summary>Completes with the next request received (or one already received beyond <paramref name="after"/>).</summary>
    public async Task<ReceivedRequest> NextAsync(int after, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (Requests.Count > after)
            {
                return Requests.ElementAt(after);
            }

            var tcs = new TaskCompletionSource<ReceivedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(tcs);
            if (Requests.Count > after)
            {
                continue;
            }

            await tcs.Task.WaitAsync(cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body);
        var body = await reader.ReadToEndAsync();
        var status = _script.TryDequeue(out var step) ? await step(ctx) : DefaultStatus;
        var request = new ReceivedRequest(ctx.Request.Path, ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body, status);
        Requests.Enqueue(request);
        while (_waiters.TryDequeue(out var w))
        {
            w.TrySetResult(request);
        }

        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsync(status == 202 ? """{"status":"success","message":"Event processed"}""" : status == 400 ? """{"status":"invalid event","errors":["'routing_key' is invalid"]}""" : string.Empty);
    }
}

/// <summary>One request the receiver saw and the status it answered.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Status);
