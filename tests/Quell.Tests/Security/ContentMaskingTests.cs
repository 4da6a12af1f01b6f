using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Quell.Incidents;
using Quell.Response;
using Quell.Security;
using Quell.Tests.Evals;
using Quell.Tests.Postmortems;

namespace Quell.Tests.Security;

/// <summary>
/// A call with a secret-looking prompt becomes an incident's evidence, a regression case, an eval answer and a prompt
/// diff; then every readable route is walked with keys lacking read:content and none of its text may come back.
/// </summary>
public sealed class ContentMaskingTests
{
    private const string PromptMarker = "QUOKKA-PROMPT-5521";
    private const string ApiKeyInPrompt = "sk-proj-ZEBRA7781qLyjWDarjtT1zdp7dcXy";
    private const string OutputMarker = "OCELOT-ANSWER-3390";
    private const string SystemMarker = "PANGOLIN-SYS-7710";
    private const string OldSystemMarker = "PANGOLIN-OLD-1100";
    private static readonly string[] Markers = [PromptMarker, ApiKeyInPrompt, OutputMarker, SystemMarker, OldSystemMarker];

    private static readonly DateTimeOffset Onset = FixAndLearnServer.Start.AddMinutes(-4);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Call(string id, DateTimeOffset at, string version, string system, string input, string output) => $$"""
        {"id":"{{id}}","timestamp":"{{at:O}}","tenant":"acme","user":"u1","feature":"support_chat","model":"gpt-4o","prompt_version":"{{version}}",
         "input_tokens":40,"output_tokens":12,"input":"{{input}}","output":"{{output}}","system_prompt":"{{system}}"}
        """;

    private static async Task<(FixAndLearnServer Server, FakeModelServer Echo, string IncidentId)> SeedAsync()
    {
        var s = await FixAndLearnServer.StartAsync();
        var echo = await FakeModelServer.StartAsync(input => $"You said: {input}");
        var calls = string.Join(",", [
            Call("call-old", FixAndLearnServer.Start.AddMinutes(-10), "v1", $"You are support. Code {OldSystemMarker}.", "Where is my order?", "On its way."),
            Call("call-secret", FixAndLearnServer.Start.AddMinutes(-2), "v2", $"You are support. Internal code {SystemMarker}.", $"Refund order 1142; my api key is {ApiKeyInPrompt} and the word is {PromptMarker}", $"Done. Reference {OutputMarker}, mail jane.doe@example.com")]);
        var ingest = await s.Client.PostAsync("/api/v1/calls", Json($"[{calls}]"));
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);

        var id = await s.OpenAsync(FixAndLearnServer.Signal("data", "support_chat", "fp-secret", "PII in support answers", ["call-secret"]));
        await s.RunAsync(id, (m, i) => m.Transition(i, IncidentState.Fixing, "alice", null));
        Assert.Equal(HttpStatusCode.Created, (await s.Client.PostAsync($"/api/v1/incidents/{id}/regression-cases", Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.Client.PostAsync($"/api/v1/incidents/{id}/verify", Json($$"""{"target":"{{echo.BaseAddress}}"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.Client.PostAsync($"/api/v1/postmortems/{id}/draft", Json("{}"))).StatusCode);
        return (s, echo, id);
    }

    private static string RunbookBody => $$"""{"category":"quality","signal":"eval_pass_rate","feature":"support_chat","onset":"{{Onset:O}}","runbook":"quality_regression"}""";

    [Fact]
    public async Task ReadRoutes_KeyWithoutReadContent_NeverReturnSeededContent()
    {
        var (s, echo, incidentId) = await SeedAsync();
        await using var server = s;
        await using var model = echo;
        var reader = server.Server.ClientWith(Scopes.Read);

        // The admin's view shows the content, so the walk below would catch it if it leaked.
        Assert.Contains(PromptMarker, await server.Client.GetStringAsync("/api/v1/calls/call-secret"), StringComparison.Ordinal);
        Assert.Contains(PromptMarker, await server.Client.GetStringAsync("/api/v1/evals/suites/regressions/runs"), StringComparison.Ordinal);

        var routes = EndpointScopeTests.Routes(server.Server).Where(r => r.Method == "GET" && r.Scope == Scopes.Read).ToList();
        var walked = new List<string>();
        var leaks = new List<string>();
        foreach (var route in routes)
        {
            var path = Path(route.Pattern, incidentId);
            var (status, text) = await ReadAsync(reader, path);
            walked.Add($"{path} {(int)status}");
            Assert.True((int)status < 500, $"{path}: {(int)status} {text}");
            leaks.AddRange(Markers.Where(m => text.Contains(m, StringComparison.Ordinal)).Select(m => $"{path} returned {m}"));
        }

        Assert.Contains(walked, w => w.StartsWith("/api/v1/calls/call-secret 200", StringComparison.Ordinal));
        Assert.Contains(walked, w => w.StartsWith("/api/v1/evals/suites/regressions/runs 200", StringComparison.Ordinal));
        Assert.Contains(walked, w => w.StartsWith($"/api/v1/incidents/{incidentId} 200", StringComparison.Ordinal));
        Assert.Contains(walked, w => w.StartsWith($"/api/v1/postmortems/{incidentId}/export 200", StringComparison.Ordinal));
        Assert.Contains(walked, w => w.StartsWith("/api/v1/console/events 200", StringComparison.Ordinal));
        Assert.True(leaks.Count == 0, string.Join("\n", leaks) + "\nwalked:\n" + string.Join("\n", walked));

        // Content routes stay closed to this key.
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("/api/v1/evals/suites/regressions/cases")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync($"/api/v1/investigations/prompt-diff?category=quality&feature=support_chat&onset={Uri.EscapeDataString(Onset.ToString("O"))}")).StatusCode);
    }

    [Fact]
    public async Task ResponderRoutes_KeyWithoutReadContent_AnswersCarryNoContent()
    {
        var (s, echo, incidentId) = await SeedAsync();
        await using var server = s;
        await using var model = echo;
        var responder = server.Server.ClientWith(Scopes.Respond, Scopes.Read);
        var investigator = server.Server.ClientWith(Scopes.Respond, Scopes.ReadContent);

        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["runbook run"] = await responder.PostAsync("/api/v1/runbooks/run", Json(RunbookBody)),
            ["regression cases"] = await responder.PostAsync($"/api/v1/incidents/{incidentId}/regression-cases", Json("{}")),
            ["suite run"] = await responder.PostAsync("/api/v1/evals/suites/regressions/run", Json($$"""{"target":"{{model.BaseAddress}}"}""")),
            ["verify"] = await responder.PostAsync($"/api/v1/incidents/{incidentId}/verify", Json($$"""{"target":"{{model.BaseAddress}}"}""")),
        };
        foreach (var (name, response) in answers)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{name}: {(int)response.StatusCode} {text}");
            Assert.All(Markers, m => Assert.DoesNotContain(m, text, StringComparison.Ordinal));
        }

        // The same answers with read:content show what was masked.
        var runbook = await (await investigator.PostAsync("/api/v1/runbooks/run", Json(RunbookBody))).Content.ReadAsStringAsync();
        Assert.Contains(SystemMarker, runbook, StringComparison.Ordinal);
        var run = await (await investigator.PostAsync("/api/v1/evals/suites/regressions/run", Json($$"""{"target":"{{model.BaseAddress}}"}"""))).Content.ReadAsStringAsync();
        Assert.Contains(PromptMarker, run, StringComparison.Ordinal);
        var cases = await (await investigator.PostAsync($"/api/v1/incidents/{incidentId}/regression-cases", Json("{}"))).Content.ReadAsStringAsync();
        Assert.Contains(PromptMarker, cases, StringComparison.Ordinal);
    }

    private static string Path(string pattern, string incidentId)
    {
        var path = Regex.Replace(pattern, "{[^}]+}", m => pattern.StartsWith("/api/v1/calls", StringComparison.Ordinal) ? "call-secret"
            : pattern.StartsWith("/api/v1/evals/suites", StringComparison.Ordinal) ? "regressions"
            : incidentId);
        var onset = Uri.EscapeDataString(Onset.ToString("O"));
        return path switch
        {
            "/api/v1/search" => path + "?q=refund",
            _ when path.StartsWith("/api/v1/investigations/", StringComparison.Ordinal) => path + $"?category=quality&feature=support_chat&onset={onset}&incident_id={incidentId}",
            "/api/v1/runbooks" => path + "?category=quality",
            _ => path,
        };
    }

    /// <summary>The whole answer, or for a stream its first event (streams never end).</summary>
    private static async Task<(HttpStatusCode Status, string Text)> ReadAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var text = new StringBuilder();
        while (await reader.ReadLineAsync() is { Length: > 0 } line)
        {
            text.AppendLine(line);
        }

        return (response.StatusCode, text.ToString());
    }
}
