using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Quell.Calls;
using Quell.Isolation;
using Quell.Scanning;

namespace Quell.Server.Isolation;

/// <summary>Runs tenant-isolation probes against the application over HTTP and judges the answers.</summary>
public sealed class IsolationProber(IsolationProbeConfig config, ContentScanner scanner, HttpClient http, TimeProvider time)
{
    public bool Enabled => !string.IsNullOrWhiteSpace(config.TargetUrl) && config.Tenants.Count > 0;

    /// <summary>One round: every tenant, one prompt each (rotating through the prompts round by round).</summary>
    public async Task<IReadOnlyList<IsolationProbeResult>> RunRoundAsync(int round, CancellationToken ct)
    {
        var results = new List<IsolationProbeResult>();
        foreach (var tenant in config.Tenants)
        {
            var prompt = config.Prompts[round % Math.Max(1, config.Prompts.Count)];
            results.Add(await ProbeAsync(tenant, prompt, ct).ConfigureAwait(false));
        }

        return results;
    }

    public async Task<IsolationProbeResult> ProbeAsync(string tenant, string prompt, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        var user = $"quell-isolation-probe-{tenant}";
        string Fill(string template, bool json) => template
            .Replace("{{tenant}}", Escape(tenant, json), StringComparison.Ordinal)
            .Replace("{{user}}", Escape(user, json), StringComparison.Ordinal)
            .Replace("{{prompt}}", Escape(prompt, json), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(new HttpMethod(config.Method), config.TargetUrl);
        if (!string.Equals(config.Method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            request.Content = new StringContent(Fill(config.BodyTemplate, json: true), Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in config.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, Fill(value, json: false));
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(config.Timeout);
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                return new IsolationProbeResult { Tenant = tenant, Prompt = prompt, At = at, Passed = true, StatusCode = (int)response.StatusCode, Error = $"HTTP {(int)response.StatusCode}", LatencyMs = latency };
            }

            var (answer, retrieved) = Extract(body);
            var (passed, leakedFrom, evidence) = IsolationVerdict.Judge(tenant, answer, retrieved, scanner.Canaries, scanner.Options.SharedTenants);
            return new IsolationProbeResult { Tenant = tenant, Prompt = prompt, At = at, Passed = passed, LeakedFrom = leakedFrom, Evidence = evidence, StatusCode = (int)response.StatusCode, LatencyMs = latency };
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
        {
            return new IsolationProbeResult { Tenant = tenant, Prompt = prompt, At = at, Passed = true, Error = ex.Message, LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds };
        }
    }

    private (string Answer, IReadOnlyList<RetrievedDocument> Retrieved) Extract(string body)
    {
        if (config.AnswerPath is null && config.RetrievedPath is null)
        {
            return (body, []);
        }

        using var doc = JsonDocument.Parse(body);
        var answer = config.AnswerPath is null ? body : Path(doc.RootElement, config.AnswerPath) is { ValueKind: JsonValueKind.String } a ? a.GetString()! : string.Empty;
        var retrieved = new List<RetrievedDocument>();
        if (config.RetrievedPath is not null && Path(doc.RootElement, config.RetrievedPath) is { ValueKind: JsonValueKind.Array } docs)
        {
            foreach (var d in docs.EnumerateArray())
            {
                if (d.ValueKind == JsonValueKind.Object && d.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                {
                    retrieved.Add(new RetrievedDocument(id.GetString()!, d.TryGetProperty("tenant", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null));
                }
            }
        }

        return (answer, retrieved);
    }

    private static JsonElement? Path(JsonElement root, string path)
    {
        var current = root;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(part, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var i) && i < current.GetArrayLength())
            {
                current = current[i];
            }
            else
            {
                return null;
            }
        }

        return current;
    }

    private static string Escape(string value, bool json) => json ? JsonEncodedText.Encode(value).ToString() : value;
}
