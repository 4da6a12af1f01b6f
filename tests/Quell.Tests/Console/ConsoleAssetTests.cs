using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Quell.Tests.Server;
using Quell.WebConsole;

namespace Quell.Tests.Console;

/// <summary>How the console's files are served (versioned, cached, strict CSP) and that they match their sources.</summary>
public sealed class ConsoleAssetTests
{
    [Fact]
    public async Task Page_AnyConsoleRoute_ShellWithStrictCspAndNoCache()
    {
        await using var server = await QuellTestServer.StartAsync();
        foreach (var path in new[] { "/", "/incidents", "/incidents/inc-1", "/overview", "/calls", "/calls/c-1", "/signin" })
        {
            using var response = await server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(ConsoleEndpoints.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Contains("script-src 'self'", ConsoleEndpoints.ContentSecurityPolicy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe", ConsoleEndpoints.ContentSecurityPolicy, StringComparison.Ordinal);
            Assert.True(response.Headers.CacheControl!.NoCache);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        }
    }

    [Fact]
    public async Task Assets_HashedNames_ImmutableCachingEtagAndGzip()
    {
        await using var server = await QuellTestServer.StartAsync();
        var html = await server.Client.GetStringAsync("/");
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"(/assets/[^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(scripts, s => s.EndsWith(".js", StringComparison.Ordinal));
        Assert.Contains(scripts, s => s.EndsWith(".css", StringComparison.Ordinal));
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        foreach (var path in scripts)
        {
            Assert.Matches(@"/assets/[\w-]+-[\w-]{8}\.(js|css)$", path);
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            using var response = await server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl!.ToString());
            Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());

            using var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
            using var notModified = await server.Client.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        using var missing = await server.Client.GetAsync("/assets/nothing-here.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public void BuiltAssets_MatchTheirSources()
    {
        // The built files are committed; a change to the front-end sources must come with `npm run build`.
        var web = Path.Combine(Repository.Root, "src", "Quell", "Console", "web");
        var stamp = JsonDocument.Parse(File.ReadAllText(Path.Combine(web, "..", "dist", "build-stamp.json"))).RootElement.GetProperty("sources").GetString();
        Assert.True(stamp == SourceHash(web), "src/Quell/Console/dist is older than its sources: run `npm ci && npm run build` in src/Quell/Console/web and commit dist/");
        var embedded = ConsoleAssets.Load();
        var built = Directory.GetFiles(Path.Combine(web, "..", "dist"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Path.Combine(web, "..", "dist"), f).Replace('\\', '/')).Order().ToList();
        Assert.Equal(built, embedded.Names.Order().ToList());
    }

    /// <summary>The same hash as vite.config.ts's sourceHash: path and SHA-256 of each stamped file, sorted by path.</summary>
    private static string SourceHash(string web)
    {
        string[] stamped = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "src"];
        var files = stamped.SelectMany(p => Directory.Exists(Path.Combine(web, p))
                ? Directory.GetFiles(Path.Combine(web, p), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(web, f).Replace('\\', '/'))
                : [p])
            .OrderBy(f => f, StringComparer.Ordinal);
        var all = new StringBuilder();
        foreach (var f in files)
        {
            var text = File.ReadAllText(Path.Combine(web, f)).Replace("\r\n", "\n", StringComparison.Ordinal);
            all.Append(f).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all.ToString())));
    }
}
