using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;
using Quell.Server;

namespace Quell.Tests.Evals;

/// <summary>A tiny OpenAI-compatible endpoint on 127.0.0.1:0: answers /v1/chat/completions (and POST /app) with a scripted reply.</summary>
public sealed class FakeModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeModelServer(WebApplication app) => _app = app;

    public Uri BaseAddress => _app.BoundAddress();

    /// <summary>Every prompt received, last message content first-class.</summary>
    public List<string> Prompts { get; } = [];

    public static async Task<FakeModelServer> StartAsync(Func<string, string> reply)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeModelServer? self = null;
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            var body = await JsonNode.ParseAsync(http.Request.Body);
            var last = body!["messages"]!.AsArray().Last()!["content"]!.GetValue<string>();
            lock (self!.Prompts)
            {
                self.Prompts.Add(last);
            }

            var answer = new JsonObject
            {
                ["id"] = "chatcmpl-1",
                ["object"] = "chat.completion",
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply(last) }, ["finish_reason"] = "stop" }),
            };
            return Results.Content(answer.ToJsonString(), "application/json");
        });
        app.MapPost("/app", async (HttpContext http) =>
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body);
            var question = doc.RootElement.GetProperty("question").GetString()!;
            return Results.Content(new JsonObject { ["data"] = new JsonObject { ["answer"] = reply(question) } }.ToJsonString(), "application/json");
        });
        await app.StartAsync();
        self = new FakeModelServer(app);
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
