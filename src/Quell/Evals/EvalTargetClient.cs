using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Quell.Configuration;
using Quell.Evals;

namespace Quell.Server.Evals;

/// <summary>Sends an eval input to a target and returns its answer: an OpenAI-compatible chat endpoint or the app's own HTTP endpoint.</summary>
public sealed class EvalTargetClient(HttpClient http)
{
    /// <summary>The answer text, or an error message for a target that did not answer usably.</summary>
    public async Task<(string? Output, string? Error)> AskAsync(EvalTargetConfig target, string? systemPrompt, IReadOnlyList<EvalMessage> history, string input, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Kind == "http" ? target.Url : ChatUrl(target.Url));
        var body = target.Kind == "http" ? Render(target.RequestTemplate ?? """{"input": "{{input}}"}""", input) : ChatBody(target.Model, systemPrompt, history, input);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (target.ApiKeyEnv is { Length: > 0 } env && Environment.GetEnvironmentVariable(env) is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"HTTP {(int)response.StatusCode} from {request.RequestUri}");
            }

            var path = target.Kind == "http" ? target.ResponsePath ?? "output" : "choices.0.message.content";
            return Extract(text, path) is { } answer ? (answer, null) : (null, $"no answer at '{path}' in the response");
        }
        catch (HttpRequestException ex)
        {
            return (null, $"cannot reach {request.RequestUri}: {ex.Message}");
        }
        catch (Exception ex) when (ex is TaskCanceledException or Polly.Timeout.TimeoutRejectedException && !ct.IsCancellationRequested)
        {
            return (null, $"{request.RequestUri} timed out");
        }
    }

    /// <summary>Fills {{input}} in a JSON template; the input is escaped for use inside a JSON string.</summary>
    public static string Render(string template, string input)
    {
        var escaped = JsonSerializer.Serialize(input, FixAndLearnJson.Default.String)[1..^1];
        return template.Replace("{{input}}", escaped, StringComparison.Ordinal);
    }

    /// <summary>The string at a dotted path ("choices.0.message.content"; a leading "$." is allowed), or the raw JSON of a non-string value.</summary>
    public static string? Extract(string json, string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return path is "" or "$" ? json : null;
        }

        foreach (var part in path.TrimStart('$').TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node switch
            {
                JsonArray a when int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var i) && i >= 0 && i < a.Count => a[i],
                JsonObject o => o[part],
                _ => null,
            };
        }

        return node switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(),
        };
    }

    private static string ChatUrl(string url) =>
        url.Contains("/chat/completions", StringComparison.Ordinal) ? url : url.TrimEnd('/') + (url.TrimEnd('/').EndsWith("/v1", StringComparison.Ordinal) ? "/chat/completions" : "/v1/chat/completions");

    private static string ChatBody(string? model, string? systemPrompt, IReadOnlyList<EvalMessage> history, string input)
    {
        var messages = new JsonArray();
        if (systemPrompt is { Length: > 0 })
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = systemPrompt });
        }

        foreach (var m in history)
        {
            messages.Add(new JsonObject { ["role"] = m.Role, ["content"] = m.Content });
        }

        messages.Add(new JsonObject { ["role"] = "user", ["content"] = input });
        return new JsonObject { ["model"] = model ?? "default", ["messages"] = messages, ["temperature"] = 0 }.ToJsonString();
    }
}

/// <summary>The LLM judge over an OpenAI-compatible endpoint.</summary>
public sealed class HttpLlmJudge(EvalTargetClient client, EvalTargetConfig target) : ILlmJudge
{
    public async Task<string> AskAsync(string prompt, CancellationToken cancellationToken = default)
    {
        var (output, error) = await client.AskAsync(target with { Kind = "openai" }, "You are a strict grader.", [], prompt, cancellationToken).ConfigureAwait(false);
        return output ?? $"FAIL (judge unavailable: {error})";
    }
}
