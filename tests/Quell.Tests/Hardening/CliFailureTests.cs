using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Quell.Tests.Server;

namespace Quell.Tests.Hardening;

/// <summary>The real `quell` executable: expected failures print what is wrong and what to do, no stack trace, and a documented exit code.</summary>
public sealed class CliFailureTests
{
    [Fact]
    public async Task Serve_PortInUse_OneLineAndExit5()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (code, _, stderr) = await RunAsync("serve", "--urls", $"http://127.0.0.1:{port}", "--data", TempDirectory.Create());
        Assert.Equal(5, code);
        AssertNoStackTrace(stderr);
        Assert.Contains("address already in use", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("--urls", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_ServerDown_OneLineAndExit3()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var file = Path.Combine(TempDirectory.Create(), "calls.jsonl");
        await File.WriteAllTextAsync(file, $$"""{"id":"c1","timestamp":"{{DateTimeOffset.UtcNow:O}}"}""" + "\n");
        var (code, _, stderr) = await RunAsync("ingest", file, "--server", $"http://127.0.0.1:{port}");
        Assert.Equal(3, code);
        AssertNoStackTrace(stderr);
        Assert.Contains("cannot reach the Quell server", stderr, StringComparison.Ordinal);
        Assert.Contains("quell serve", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InvalidConfig_EveryErrorWithItsYamlPathAndExit2()
    {
        var dir = TempDirectory.Create();
        var config = Path.Combine(dir, "quell.yaml");
        await File.WriteAllTextAsync(config, "queue:\n  capacity: 0\ndetection:\n  evaluation_seconds: 7\n  max_series: 0\n");
        var (code, _, stderr) = await RunAsync("serve", "--config", config, "--urls", "http://127.0.0.1:0", "--data", dir);
        Assert.Equal(2, code);
        AssertNoStackTrace(stderr);
        Assert.Contains("3 problems", stderr, StringComparison.Ordinal);
        Assert.Contains("quell.yaml:2:3: queue.capacity", stderr, StringComparison.Ordinal);
        Assert.Contains("quell.yaml:4:3: detection.evaluation_seconds", stderr, StringComparison.Ordinal);
        Assert.Contains("quell.yaml:5:3: detection.max_series", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_SomeRecordsRejected_ExitsNonZero()
    {
        await using var server = await QuellTestServer.StartAsync();
        var file = Path.Combine(TempDirectory.Create(), "calls.jsonl");
        var now = DateTimeOffset.UtcNow.ToString("O");
        await File.WriteAllTextAsync(file, $$"""{"id":"ok-1","timestamp":"{{now}}"}""" + "\n" + $$"""{"id":"bad-1","timestamp":"{{now}}","input_tokens":-3}""" + "\n");
        var (code, _, stderr) = await RunAsync("ingest", file, "--server", server.BaseAddress.ToString(), "--api-key", server.AdminKey);
        Assert.Equal(1, code);
        AssertNoStackTrace(stderr);
        Assert.Contains("line 2", stderr, StringComparison.Ordinal);
        Assert.Contains("1 record(s) were rejected", stderr, StringComparison.Ordinal);
    }

    private static void AssertNoStackTrace(string stderr)
    {
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => await Server.QuellCliProcess.RunAsync(args);
}
