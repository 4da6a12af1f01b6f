namespace Quell.Demo;

/// <summary>What `quell demo` runs: seed, simulated span, pace and scenarios.</summary>
public sealed record DemoOptions
{
    public int Seed { get; init; } = 7;
    public TimeSpan Duration { get; init; } = TimeSpan.FromDays(14);

    /// <summary>Simulated seconds per wall-clock second; 0 runs as fast as ingest allows.</summary>
    public double Speed { get; init; }
    public double RequestsPerSecond { get; init; } = 0.5;
    public IReadOnlyList<string> Scenarios { get; init; } = [];
    public bool Json { get; init; }

    /// <summary>Where the demo writes its store and artefacts; a fresh temporary folder when null.</summary>
    public string? OutputDirectory { get; init; }
    public int BatchSize { get; init; } = 400;

    /// <summary>Where the in-process server listens; port 0 picks a free one.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:0";

    /// <summary>Told the web console's address and a sign-in key for it once the server is up.</summary>
    public Action<Uri, string>? ConsoleReady { get; init; }

    /// <summary>Runs after the report is built while the server is still up (`--serve`); the server stops when it returns.</summary>
    public Func<DemoReport, Uri, CancellationToken, Task>? Serve { get; init; }
}
