using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Quell.Server;
using Quell.Simulation;
using Quell.Simulation.Scenarios;

namespace Quell.Demo;

/// <summary>
/// The simulated AI application's own HTTP endpoint, on Kestrel at 127.0.0.1:0, which Quell's tenant-isolation
/// probes query as each tenant. It answers from the simulated world, including any isolation breach in progress.
/// </summary>
public sealed class DemoApplication : IAsyncDisposable
{
    private readonly WebApplication _app;
    private IReadOnlyList<IScenario> _scenarios = [];
    private long _pagerDutyEvents;
    private long _slackMessages;

    /// <summary>Events the PagerDuty stand-in accepted (triggers, acknowledgements, resolutions).</summary>
    public long PagerDutyEvents => Interlocked.Read(ref _pagerDutyEvents);

    /// <summary>Messages the Slack stand-in received.</summary>
    public long SlackMessages => Interlocked.Read(ref _slackMessages);

    private DemoApplication(WebApplication app) => _app = app;

    /// <summary>The phrase the simulated team's graded good answers contain; quality regression cases expect it.</summary>
    public const string VerifiedAnswer = "Verified answer";

    public Uri ChatUrl => new(_app.BoundAddress(), "/chat");

    public Uri BaseUrl => _app.BoundAddress();

    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>The application's obedience to the control plane for its own endpoint (feature, tenant): null serves everything.</summary>
    public Func<string, string, bool>? Admit { get; set; }

    private long _requests;

    public static async Task<DemoApplication> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var demo = new DemoApplication(app);
        app.MapPost("/chat", async (HttpRequest request) =>
        {
            using var doc = await JsonDocument.ParseAsync(request.Body).ConfigureAwait(false);
            var tenant = doc.RootElement.TryGetProperty("tenant", out var t) ? t.GetString() ?? string.Empty : string.Empty;
            var breach = demo._scenarios.OfType<IsolationProbeFailureScenario>().FirstOrDefault();
            if (demo.Admit is { } admit && !admit(breach?.Feature ?? "doc_search", tenant))
            {
                // A kill switch or a block on the flow: the cache is not consulted and nothing is served.
                return Results.Json(new Dictionary<string, object> { ["error"] = "temporarily unavailable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var (answer, retrieved) = breach?.Answer(demo.Clock.GetUtcNow(), tenant)
                ?? ("Your workspace has 12 documents.", [($"{tenant}-doc-0001", tenant)]);
            return Results.Json(new Dictionary<string, object>
            {
                ["answer"] = answer,
                ["retrieved"] = retrieved.Select(r => new Dictionary<string, string> { ["id"] = r.Id, ["tenant"] = r.Tenant }).ToList(),
            });
        });
        // Stand-ins for PagerDuty's Events API v2 and a Slack incoming webhook, so pages leave over real HTTP.
        app.MapPost("/v2/enqueue", async (HttpRequest request) =>
        {
            using var doc = await JsonDocument.ParseAsync(request.Body).ConfigureAwait(false);
            Interlocked.Increment(ref demo._pagerDutyEvents);
            var dedup = doc.RootElement.TryGetProperty("dedup_key", out var d) ? d.GetString() : null;
            return Results.Json(new Dictionary<string, string?> { ["status"] = "success", ["message"] = "Event processed", ["dedup_key"] = dedup }, statusCode: 202);
        });
        app.MapPost("/slack", () =>
        {
            Interlocked.Increment(ref demo._slackMessages);
            return Results.Text("ok");
        });

        // The fixed application, as the verification gate queries it: answers that are correct and leak nothing.
        app.MapPost("/v1/chat/completions", () => Results.Json(new Dictionary<string, object>
        {
            ["id"] = "chatcmpl-demo",
            ["object"] = "chat.completion",
            ["model"] = "demo-app",
            ["choices"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["index"] = 0,
                    ["message"] = new Dictionary<string, string> { ["role"] = "assistant", ["content"] = $"{VerifiedAnswer}: here is what I can tell you within your own workspace." },
                    ["finish_reason"] = "stop",
                },
            },
            ["usage"] = new Dictionary<string, int> { ["prompt_tokens"] = 40, ["completion_tokens"] = 12, ["total_tokens"] = 52 },
        }));
        await app.StartAsync(ct).ConfigureAwait(false);
        return demo;
    }

    public void Use(IReadOnlyList<IScenario> scenarios) => _scenarios = scenarios;

    /// <summary>A trace id for one request to the endpoint.</summary>
    public string NextTraceId() => $"app-{Interlocked.Increment(ref _requests):x28}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
