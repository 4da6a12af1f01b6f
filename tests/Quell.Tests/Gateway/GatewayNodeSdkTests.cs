using System.Diagnostics;
using System.Text.Json;

namespace Quell.Tests.Gateway;

/// <summary>
/// The `openai` npm package (pinned in tests/gateway-node/package-lock.json, installed by test.sh) with Node.js
/// from the machine, pointed at a real gateway: plain, streamed, tool-calling and embedding requests, then a
/// kill switch. Fails, never skips, when Node.js or the package is missing.
/// </summary>
public sealed class GatewayNodeSdkTests
{
    private static string ScriptFolder()
    {
        var folder = Path.Combine(Repository.Root, "tests", "gateway-node");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "openai")), $"the openai npm package is not installed: run `npm ci --prefix {folder}` (test.sh does)");
        return folder;
    }

    private static async Task<JsonElement> RunAsync(string folder, Uri gateway, string key, bool expectKill)
    {
        var start = new ProcessStartInfo("node", "gateway.mjs")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["QUELL_GATEWAY_URL"] = gateway.ToString().TrimEnd('/');
        start.Environment["QUELL_API_KEY"] = key;
        start.Environment["QUELL_EXPECT_KILL"] = expectKill ? "1" : "0";
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await node.WaitForExitAsync(timeout.Token);
        Assert.True(node.ExitCode == 0, $"node exited with {node.ExitCode}: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }

    [Fact]
    public async Task OpenAiNpmPackage_ThroughGateway_EveryRequestKindWorksAndIsRecorded()
    {
        var folder = ScriptFolder();
        await using var env = await GatewayEnvironment.StartAsync();

        var result = await RunAsync(folder, env.GatewayAddress(), env.ClientKey, expectKill: false);

        Assert.Equal("Hello from the mock.", result.GetProperty("plain").GetString());
        Assert.Equal("Hello from the mock.", result.GetProperty("streamed").GetString());
        Assert.Equal("get_weather", result.GetProperty("tool").GetString());
        Assert.Equal(3, result.GetProperty("embedding").GetInt32());
        var calls = (await env.StoredCallsAsync("node_app")).Select(c => c.Call).ToList();
        Assert.Equal(4, calls.Count);
        Assert.All(calls, c => Assert.Equal("globex", c.Tenant));
        Assert.All(calls, c => Assert.Equal(MockModelServer.PromptTokens, c.InputTokens));
        Assert.Single(calls, c => c.Operation == "embeddings");
        Assert.Single(calls, c => c.TtftMs is not null);
        Assert.Contains(calls, c => c.SystemPrompt == "Be brief.");
    }

    [Fact]
    public async Task OpenAiNpmPackage_KillSwitch_SurfacesAs503WithTheMitigationId()
    {
        var folder = ScriptFolder();
        await using var env = await GatewayEnvironment.StartAsync();
        var id = await env.ApplyAsync(new { kind = "disable", scope = new { feature = "node_app", model = "gpt-4o-mini" }, reason = "kill", mode = "apply" });

        var result = await RunAsync(folder, env.GatewayAddress(), env.ClientKey, expectKill: true);

        // Only the chat call runs in this mode; the kill switch refuses it.
        var killed = result.GetProperty("killed");
        Assert.Equal(503, killed.GetProperty("status").GetInt32());
        Assert.Equal("kill_switch", killed.GetProperty("code").GetString());
        Assert.Equal(id, killed.GetProperty("mitigation").GetString());
    }
}
