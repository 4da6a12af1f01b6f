using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Quell.Calls;
using Quell.Investigation;
using Quell.Scanning;
using Quell.Storage;

namespace Quell.Server.Playbook;

/// <summary>What to replay and where: stored calls (by ids, alert examples or a filter) sent to a target with a pin.</summary>
public sealed record ReplayRequest
{
    public IReadOnlyList<string>? CallIds { get; init; }
    public string? AlertId { get; init; }
    public string? IncidentId { get; init; }
    public string? Feature { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }

    /// <summary>An OpenAI-compatible base URL (…/v1/chat/completions is added) or the application's HTTP endpoint.</summary>
    public string? Target { get; init; }

    /// <summary>openai (default) or template.</summary>
    public string TargetKind { get; init; } = "openai";

    /// <summary>For template targets: the JSON body with {{input}}, {{system_prompt}} and {{model}} placeholders.</summary>
    public string? Template { get; init; }

    /// <summary>For template targets: dotted path to the answer in the response JSON (e.g. data.answer); whole body when empty.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Version pins, e.g. model=gpt-4o-2024-08-06.</summary>
    public IReadOnlyDictionary<string, string>? Pin { get; init; }
    public int Limit { get; init; } = 20;
}

/// <summary>One replayed call, side by side with its original: the answer, and what it cost in time and tokens.</summary>
public sealed record ReplayItem(string CallId, string? Model, string? Input, string? Original, string? Replayed, double Similarity, IReadOnlyList<string> Gone, IReadOnlyList<string> New, bool Differs, string? Error)
{
    /// <summary>The stored call's latency and tokens.</summary>
    public ReplayUsage OriginalUsage { get; init; } = new(null, null, null);

    /// <summary>The replay's latency as Quell measured it, and the tokens the target reported (OpenAI-style usage).</summary>
    public ReplayUsage ReplayedUsage { get; init; } = new(null, null, null);
}

/// <summary>Latency in milliseconds and token counts of one answer; null when not known.</summary>
public sealed record ReplayUsage(double? LatencyMs, long? InputTokens, long? OutputTokens);

/// <summary>All replayed calls and a summary.</summary>
public sealed record ReplayReport(string Target, IReadOnlyDictionary<string, string> Pin, int Replayed, int Differing, double MeanSimilarity, IReadOnlyList<ReplayItem> Items)
{
    /// <summary>Median latency of the originals and of the replays (ms), over the calls that were replayed.</summary>
    public double? OriginalMedianLatencyMs { get; init; }

    public double? ReplayedMedianLatencyMs { get; init; }

    /// <summary>Total tokens, originals and replays, over the calls whose replay reported usage.</summary>
    public long? OriginalTokens { get; init; }

    public long? ReplayedTokens { get; init; }
}

/// <summary>Re-sends stored calls to a target with a chosen version pin and compares the answers with the scanners.</summary>
public sealed class ReplayService(ICallLog calls, IAlertStore alerts, ContentScanner scanner, HttpClient http, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Most calls one replay sends.</summary>
    public const int MaxCalls = 500;

    /// <summary>Most time one replay spends on its target in total; calls not sent by then are reported as unsent.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<(ReplayReport? Report, string? Problem)> RunAsync(ReplayRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Target) || !Uri.TryCreate(request.Target, UriKind.Absolute, out var target))
        {
            return (null, "target: an absolute URL is required");
        }

        if (request.TargetKind is not ("openai" or "template"))
        {
            return (null, "target_kind: must be openai or template");
        }

        if (request.TargetKind == "template" && string.IsNullOrWhiteSpace(request.Template))
        {
            return (null, "template: a JSON body with {{input}} is required for template targets");
        }

        var selected = await SelectAsync(request, cancellationToken).ConfigureAwait(false);
        if (selected.Problem is not null)
        {
            return (null, selected.Problem);
        }

        var pin = request.Pin ?? new Dictionary<string, string>();
        var items = new List<ReplayItem>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        foreach (var call in selected.Calls.Where(c => c.Input is not null).Take(Math.Clamp(request.Limit, 1, MaxCalls)))
        {
            var model = pin.TryGetValue("model", out var m) ? m : call.Model;
            string? replayed = null;
            string? error = null;
            (long? In, long? Out) tokens = (null, null);
            double? latency = null;
            try
            {
                deadline.Token.ThrowIfCancellationRequested();
                var started = _time.GetTimestamp();
                (replayed, tokens) = request.TargetKind == "openai"
                    ? await OpenAiAsync(target, model, call, deadline.Token).ConfigureAwait(false)
                    : (await TemplateAsync(target, request, model, call, deadline.Token).ConfigureAwait(false), (null, null));
                latency = _time.GetElapsedTime(started).TotalMilliseconds;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                error = $"not replayed: the replay's {Deadline.TotalSeconds:0}-second deadline passed";
            }
            catch (Polly.Timeout.TimeoutRejectedException ex)
            {
                error = $"the target did not answer in time: {ex.Message}";
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException or TaskCanceledException or NotSupportedException)
            {
                error = ex.Message;
            }

            var cmp = ReplayComparison.Compare(call.Output, replayed, scanner, call.Tenant, call.Input, call.SystemPrompt);
            items.Add(new ReplayItem(call.Id, model, call.Input, call.Output, replayed, cmp.Similarity, cmp.Gone, cmp.New, error is null && cmp.Differs, error)
            {
                OriginalUsage = new ReplayUsage(call.LatencyMs, call.InputTokens, call.OutputTokens),
                ReplayedUsage = new ReplayUsage(error is null ? latency : null, tokens.In, tokens.Out),
            });
        }

        var ok = items.Where(i => i.Error is null).ToList();
        var counted = ok.Where(i => i.ReplayedUsage.InputTokens is not null || i.ReplayedUsage.OutputTokens is not null).ToList();
        return (new ReplayReport(target.ToString(), pin, ok.Count, ok.Count(i => i.Differs), ok.Count == 0 ? 0 : ok.Average(i => i.Similarity), items)
        {
            OriginalMedianLatencyMs = Median(ok.Select(i => i.OriginalUsage.LatencyMs)),
            ReplayedMedianLatencyMs = Median(ok.Select(i => i.ReplayedUsage.LatencyMs)),
            OriginalTokens = counted.Count == 0 ? null : counted.Sum(i => (i.OriginalUsage.InputTokens ?? 0) + (i.OriginalUsage.OutputTokens ?? 0)),
            ReplayedTokens = counted.Count == 0 ? null : counted.Sum(i => (i.ReplayedUsage.InputTokens ?? 0) + (i.ReplayedUsage.OutputTokens ?? 0)),
        }, null);
    }

    private static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.OfType<double>().Order().ToList();
        return sorted.Count == 0 ? null : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private async Task<(IReadOnlyList<CallRecord> Calls, string? Problem)> SelectAsync(ReplayRequest request, CancellationToken ct)
    {
        if (request.CallIds is { Count: > 0 } ids)
        {
            var list = new List<CallRecord>();
            foreach (var id in ids)
            {
                if (await calls.GetAsync(id, ct).ConfigureAwait(false) is { } c)
                {
                    list.Add(c.Call);
                }
            }

            return (list, null);
        }

        if (request.AlertId is { } alertId)
        {
            var alert = await alerts.GetAsync(alertId, ct).ConfigureAwait(false);
            if (alert is null)
            {
                return ([], $"alert_id: no alert with id '{alertId}'");
            }

            var feature = alert.Labels.TryGetValue("feature", out var f) ? f : null;
            var around = await calls.QueryAsync(new CallQuery { Feature = feature, From = alert.OnsetEstimate, To = alert.FiredAt.AddMinutes(30), Limit = request.Limit * 5 }, ct).ConfigureAwait(false);
            var examples = new List<CallRecord>();
            foreach (var id in alert.ExampleCallIds)
            {
                if (await calls.GetAsync(id, ct).ConfigureAwait(false) is { } c)
                {
                    examples.Add(c.Call);
                }
            }

            return (examples.Concat(around.Select(c => c.Call)).DistinctBy(c => c.Id).ToList(), null);
        }

        if (request.Feature is null && request.From is null)
        {
            return ([], request.IncidentId is not null
                ? "incident_id: incidents cannot be resolved to calls here yet; pass alert_id, call_ids or feature with from/to"
                : "pass call_ids, alert_id, or feature with from/to");
        }

        var found = await calls.QueryAsync(new CallQuery { Feature = request.Feature, From = request.From, To = request.To, Limit = request.Limit * 5 }, ct).ConfigureAwait(false);
        return (found.Select(c => c.Call).ToList(), null);
    }

    private async Task<(string? Text, (long? In, long? Out) Tokens)> OpenAiAsync(Uri target, string? model, CallRecord call, CancellationToken ct)
    {
        var url = target.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal) ? target : new Uri(target, target.AbsolutePath.TrimEnd('/') + "/v1/chat/completions");
        var messages = new JsonArray();
        if (call.SystemPrompt is not null)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = call.SystemPrompt });
        }

        messages.Add(new JsonObject { ["role"] = "user", ["content"] = call.Input });
        var body = new JsonObject { ["model"] = model, ["messages"] = messages };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(url, content, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonNode>(ct).ConfigureAwait(false);
        var usage = json?["usage"] as JsonObject;
        static long? Count(JsonNode? n) => n is JsonValue v && v.TryGetValue<long>(out var c) ? c : null;
        return (json?["choices"]?[0]?["message"]?["content"]?.GetValue<string>(), (Count(usage?["prompt_tokens"]), Count(usage?["completion_tokens"])));
    }

    private async Task<string?> TemplateAsync(Uri target, ReplayRequest request, string? model, CallRecord call, CancellationToken ct)
    {
        static string Escaped(string? s) => JsonEncodedText.Encode(s ?? "").ToString();
        var body = request.Template!
            .Replace("{{input}}", Escaped(call.Input), StringComparison.Ordinal)
            .Replace("{{system_prompt}}", Escaped(call.SystemPrompt), StringComparison.Ordinal)
            .Replace("{{model}}", Escaped(model), StringComparison.Ordinal);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(target, content, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (string.IsNullOrEmpty(request.OutputPath))
        {
            return text;
        }

        var node = JsonNode.Parse(text);
        foreach (var part in request.OutputPath.Split('.'))
        {
            node = int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var i) && node is JsonArray a ? a[i] : node?[part];
        }

        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString();
    }
}
