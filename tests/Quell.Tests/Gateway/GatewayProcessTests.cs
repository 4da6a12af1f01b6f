using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using Quell.Tests.Server;

namespace Quell.Tests.Gateway;

/// <summary>
/// `quell gateway` as the executable an operator runs, in front of `quell serve` as another process: the runtime
/// settings the command applies to itself (socket completions on the event thread, handlers on Kestrel's I/O
/// threads) carry real traffic from the official OpenAI .NET SDK, many requests at once, plain and streamed, and
/// every one is answered and recorded.
/// </summary>
public sealed class GatewayProcessTests : IAsyncLifetime
{
    private const int Plain = 240;
    private const int Streamed = 40;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "quell-gwproc-" + Guid.NewGuid().ToString("N")[..8]);
    private QuellProcess _quell = null!;
    private MockModelServer _upstream = null!;
    private Process? _gateway;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _quell = await QuellProcess.StartAsync(Path.Combine(_dir, "data"));
        _upstream = await MockModelServer.StartAsync();
        _upstream.Quiet = true;
    }

    public async Task DisposeAsync()
    {
        if (_gateway is { HasExited: false })
        {
            _gateway.Kill(entireProcessTree: true);
            await _gateway.WaitForExitAsync();
        }

        _gateway?.Dispose();
        await _upstream.DisposeAsync();
        _quell.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task GatewayExecutable_ConcurrentSdkTraffic_EveryRequestAnsweredAndRecorded()
    {
        using var admin = _quell.CreateClient();
        var gatewayKey = await CreateKeyAsync(admin, "gateway", ["ingest", "read"]);
        var clientKey = await CreateKeyAsync(admin, "app", ["ingest"]);
        var gateway = await StartGatewayAsync(gatewayKey);

        var options = new OpenAIClientOptions { Endpoint = new Uri(gateway, "/v1"), RetryPolicy = new ClientRetryPolicy(0) }
            .With(new GatewaySdkTests.HeaderPolicy(new Dictionary<string, string> { ["x-quell-feature"] = "gateway_process", ["x-quell-tenant"] = "acme" }));
        var chat = new ChatClient("gpt-4o-mini", new ApiKeyCredential(clientKey), options);

        // 16 callers at once, as a busy application would be.
        using var gate = new SemaphoreSlim(16);
        var plain = Enumerable.Range(0, Plain).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return (await chat.CompleteChatAsync([new UserChatMessage($"question {i}")])).Value.Content[0].Text;
            }
            finally
            {
                gate.Release();
            }
        });
        var streamed = Enumerable.Range(0, Streamed).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var text = new StringBuilder();
                await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage($"stream {i}")]))
                {
                    foreach (var part in update.ContentUpdate)
                    {
                        text.Append(part.Text);
                    }
                }

                return text.ToString();
            }
            finally
            {
                gate.Release();
            }
        });
        var answers = await Task.WhenAll(plain.Concat(streamed));

        Assert.All(answers, a => Assert.False(string.IsNullOrEmpty(a)));
        var stored = await WaitForCallsAsync(admin, Plain + Streamed);
        Assert.Equal(Plain + Streamed, stored.Count);
        Assert.All(stored, c => Assert.Equal("acme", c.GetProperty("tenant").GetString()));
        Assert.Equal(Streamed, stored.Count(c => c.TryGetProperty("ttft_ms", out var t) && t.ValueKind == JsonValueKind.Number));
        Assert.All(stored, c => Assert.Equal(MockModelServer.PromptTokens, c.GetProperty("input_tokens").GetInt64()));
    }

    private static async Task<string> CreateKeyAsync(HttpClient admin, string name, string[] scopes)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/keys", new { name, scopes });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
    }

    private async Task<Uri> StartGatewayAsync(string gatewayKey)
    {
        var config = Path.Combine(_dir, "quell.yaml");
        await File.WriteAllTextAsync(config, $"""
            gateway:
              upstreams:
                - name: mock
                  kind: openai
                  url: {_upstream.BaseAddress}
                  api_key_env: QUELL_TEST_UPSTREAM_KEY
            """);
        // The variable removed so that the command's own default applies.
        (_gateway, var address) = await QuellExecutable.StartListeningAsync(
            ["gateway", "--urls", "http://127.0.0.1:0", "--server", _quell.BaseAddress.ToString(), "--api-key", gatewayKey, "--config", config],
            new Dictionary<string, string?> { ["QUELL_TEST_UPSTREAM_KEY"] = GatewayEnvironment.UpstreamKey, ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = null });
        return address;
    }

    // Records reach Quell in batches every 50 ms; wait (bounded) until all of them are stored.
    private static async Task<List<JsonElement>> WaitForCallsAsync(HttpClient admin, int expected)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var calls = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/calls?feature=gateway_process&limit=1000", deadline.Token)).EnumerateArray().ToList();
            if (calls.Count >= expected)
            {
                return calls;
            }

            await Task.Delay(50, deadline.Token);
        }
    }
}
