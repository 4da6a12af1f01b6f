using Quell.Calls;
using Quell.Changes;
using Quell.Detection;
using Quell.Incidents;
using Quell.Ingest;
using Quell.Mitigations;

namespace Quell.Validation;

/// <summary>
/// Applies <see cref="InputRules"/> to every kind of decoded input, after decoding and before anything is priced,
/// scanned or stored, so a call from OTLP and the same call from the native API meet exactly the same rules.
/// Returns the first field that is wrong, or null.
/// </summary>
public sealed class InputValidator(IngestLimits limits)
{
    /// <summary>Most label pairs on one alert or change scope.</summary>
    public const int MaxLabels = 128;

    public IngestLimits Limits => limits;

    public RecordError? Call(CallRecord c, DateTimeOffset now)
    {
        var r = new InputRules(limits, now)
            .Label("id", c.Id, required: true)
            .Time("timestamp", c.Timestamp)
            .Label("tenant", c.Tenant).Label("user", c.User).Label("feature", c.Feature).Label("operation", c.Operation)
            .Label("provider", c.Provider).Label("model", c.Model).Label("model_version", c.ModelVersion).Label("region", c.Region)
            .Label("prompt_version", c.PromptVersion).Label("trace_id", c.TraceId).Label("session_id", c.SessionId)
            .Label("error_type", c.ErrorType)
            .LatencyMs("latency_ms", c.LatencyMs).LatencyMs("ttft_ms", c.TtftMs)
            .Tokens("input_tokens", c.InputTokens).Tokens("output_tokens", c.OutputTokens).Tokens("cached_input_tokens", c.CachedInputTokens)
            .Cost("cost_usd", c.CostUsd)
            .Content("input", c.Input).Content("output", c.Output).Content("system_prompt", c.SystemPrompt).Content("attributes", c.AttributesJson)
            .Count("retrieved", c.Retrieved.Count).Count("tool_calls", c.ToolCalls.Count);
        if (r.Ok && c.CachedInputTokens > c.InputTokens)
        {
            r.Fail("cached_input_tokens", $"{c.CachedInputTokens} exceeds input_tokens {c.InputTokens}");
        }

        for (var i = 0; r.Ok && i < c.Retrieved.Count; i++)
        {
            r.Label($"retrieved[{i}].id", c.Retrieved[i].Id, required: true).Label($"retrieved[{i}].tenant", c.Retrieved[i].Tenant);
        }

        for (var i = 0; r.Ok && i < c.ToolCalls.Count; i++)
        {
            r.Label($"tool_calls[{i}].name", c.ToolCalls[i].Name, required: true).Label($"tool_calls[{i}].arguments_hash", c.ToolCalls[i].ArgumentsHash);
        }

        return WithId(r, c.Id);
    }

    public RecordError? Eval(EvalResult e, DateTimeOffset now) => new InputRules(limits, now)
        .Label("suite", e.Suite, required: true).Label("case", e.CaseId, required: true)
        .Number("score", e.Score, 0, 1)
        .Time("timestamp", e.Timestamp)
        .Label("model", e.Model).Label("model_version", e.ModelVersion).Label("prompt_version", e.PromptVersion).Label("feature", e.Feature)
        .Error;

    public RecordError? Feedback(FeedbackRecord f, DateTimeOffset now) => WithId(new InputRules(limits, now)
        .Label("call_id", f.CallId, required: true)
        .Number("score", f.Score)
        .Time("timestamp", f.Timestamp)
        .Text("comment", f.Comment)
        .Label("feature", f.Feature).Label("model", f.Model).Label("model_version", f.ModelVersion).Label("prompt_version", f.PromptVersion).Label("tenant", f.Tenant), f.CallId);

    public RecordError? Change(ChangeEvent c, DateTimeOffset now)
    {
        var r = new InputRules(limits, now)
            .Label("id", c.Id, required: true)
            .OneOf("kind", c.Kind, ChangeEvent.KnownKinds, required: true)
            .Time("timestamp", c.Timestamp)
            .Text("description", c.Description)
            .Label("author", c.Author).Label("from", c.From).Label("to", c.To)
            .Count("scope", c.Scope.Count, MaxLabels);
        foreach (var (key, value) in c.Scope)
        {
            r.Label("scope", key, required: true).Label($"scope.{key}", value);
        }

        return WithId(r, c.Id);
    }

    /// <summary>An alert from outside (Alertmanager): label sizes, summary and times.</summary>
    public RecordError? Signal(IncidentSignal s, DateTimeOffset now, string field)
    {
        var r = new InputRules(limits, now)
            .Count($"{field}.labels", s.Labels.Count, MaxLabels)
            .Time($"{field}.startsAt", s.FiredAt)
            .Text($"{field}.annotations.summary", s.Summary)
            .Text($"{field}.annotations.description", s.Attribution)
            .Label($"{field}.fingerprint", s.Fingerprint, required: true);
        foreach (var (key, value) in s.Labels)
        {
            r.Label($"{field}.labels", key, required: true).Length($"{field}.labels.{key}", value, limits.MaxTextChars);
        }

        return r.Error;
    }

    public RecordError? Silence(Silence s, DateTimeOffset now)
    {
        var r = new InputRules(limits, now)
            .Label("id", s.Id, required: true)
            .Time("starts_at", s.StartsAt, limits.MaxDuration)
            .Duration("ends_at", s.EndsAt - s.StartsAt)
            .Label("created_by", s.CreatedBy)
            .Text("comment", s.Comment)
            .Count("matchers", s.Matchers.Count, MaxLabels);
        for (var i = 0; r.Ok && i < s.Matchers.Count; i++)
        {
            r.Label($"matchers[{i}].name", s.Matchers[i].Name, required: true).Length($"matchers[{i}].value", s.Matchers[i].Value, limits.MaxTextChars);
        }

        return r.Error;
    }

    public RecordError? Mitigation(MitigationRequest m, DateTimeOffset now)
    {
        var r = new InputRules(limits, now)
            .Text("reason", m.Reason).Text("expected_effect", m.ExpectedEffect)
            .Label("incident_id", m.IncidentId).Label("alert_id", m.AlertId).Label("created_by", m.CreatedBy)
            .Duration("expires_in", m.ExpiresIn);
        if (m.Scope is { } s)
        {
            r.Label("scope.feature", s.Feature).Label("scope.tenant", s.Tenant).Label("scope.user", s.User).Label("scope.provider", s.Provider).Label("scope.model", s.Model);
        }

        if (m.Parameters is { } p)
        {
            r.Label("parameters.model", p.Model).Label("parameters.prompt_version", p.PromptVersion)
                .Label("parameters.fallback_model", p.FallbackModel).Label("parameters.fallback_provider", p.FallbackProvider)
                .Content("parameters.canned_answer", p.CannedAnswer).Label("parameters.per", p.Per)
                .Number("parameters.rate_per_second", p.RatePerSecond, 0)
                .Number("parameters.burst", p.Burst, 0)
                .Text("parameters.pattern", p.Pattern)
                .Number("parameters.daily_usd", p.DailyUsd, 0)
                .Number("parameters.max_calls_per_trace", p.MaxCallsPerTrace, 0);
        }

        return r.Error;
    }

    private static RecordError? WithId(InputRules r, string? id) => r.Error is { } e && id is { Length: > 0 and <= 200 } ? e with { Id = id } : r.Error;
}
