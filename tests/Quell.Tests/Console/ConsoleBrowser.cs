using Microsoft.Playwright;

namespace Quell.Tests.Console;

/// <summary>
/// Debian's Chromium driven by Playwright: no browser download, a fresh profile per run, and every flag that keeps
/// Chromium off the network, so the console is tested exactly as it works offline.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly string _profile = Path.Combine(Path.GetTempPath(), "quell-chromium", Guid.NewGuid().ToString("N"));
    private IPlaywright? _playwright;

    public IBrowserContext Context { get; private set; } = null!;

    /// <summary>Where screenshots go: QUELL_SCREENSHOTS, or console-screenshots beside the test assembly.</summary>
    public static string ScreenshotDirectory { get; } = Environment.GetEnvironmentVariable("QUELL_SCREENSHOTS") is { Length: > 0 } d
        ? d
        : Path.Combine(AppContext.BaseDirectory, "console-screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: ./test.sh installs Debian's chromium package (apt-get install chromium)");
        }

        Directory.CreateDirectory(_profile);
        Directory.CreateDirectory(ScreenshotDirectory);
        // Generous waits: the machine running the tests may be busy; no test asserts a duration.
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        Context = await _playwright.Chromium.LaunchPersistentContextAsync(_profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1360, Height = 900 },
            ServiceWorkers = ServiceWorkerPolicy.Block,
        });
    }

    /// <summary>A new tab (its own sessionStorage, so its own sign-in) that records CSP violations and script errors.</summary>
    public async Task<ConsolePage> OpenAsync(Uri server)
    {
        var page = await Context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error" && !m.Text.Contains("status of 40", StringComparison.Ordinal))
            {
                problems.Add(m.Text);
            }
        };
        page.PageError += (_, e) => problems.Add(e);
        page.SetDefaultTimeout(60_000);
        return new ConsolePage(page, server, problems);
    }

    public async Task DisposeAsync()
    {
        if (Context is not null)
        {
            await Context.CloseAsync();
        }

        _playwright?.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still hold a lock file for a moment; the folder is under the temp directory.
        }
    }
}

/// <summary>One browser tab on the console, with the console's own moves (sign in, open, screenshot).</summary>
public sealed class ConsolePage(IPage page, Uri server, List<string> problems)
{
    public IPage Page { get; } = page;

    /// <summary>Console errors and CSP violations seen so far.</summary>
    public IReadOnlyList<string> Problems => problems;

    public async Task SignInAsync(string key, string path = "/incidents")
    {
        await Page.GotoAsync(new Uri(server, path).ToString());
        await Page.FillAsync("#api-key", key);
        await Page.ClickAsync("form.signin button[type=submit]");
        await Assertions.Expect(Page.Locator("#who .principal")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("form.signin")).ToHaveCountAsync(0);
    }

    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ConsoleBrowser.ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task CloseAsync() => await Page.CloseAsync();
}
