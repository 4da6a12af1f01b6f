using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Quell.Alerts;
using Quell.Investigation;
using Quell.Security;
using Quell.Server.Playbook;
using Quell.Storage;

namespace Quell.Server;

/// <summary>
/// /api/v1/investigations/*: change correlation, prompt and retrieval diffs, top-cost flows, prompt-length trend,
/// provider/region breakdown and vendor status; POST /api/v1/replay re-sends stored calls to a target.
/// </summary>
public static class InvestigationEndpoints
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void MapInvestigations(this IEndpointRouteBuilder app)
    {
        // Investigations compare and add up every tenant's calls: not for keys limited to tenants.
        var group = app.MapGroup("/api/v1/investigations").RequireScope(Scopes.Read).RequireAllTenants();
        group.MapGet("/correlate", async (HttpRequest request, IInvestigationSource source, IAlertStore alerts, CancellationToken ct) =>
        {
            var (subject, problem) = await SubjectFromQueryAsync(request, alerts, ct).ConfigureAwait(false);
            return subject is null ? problem! : Results.Json(await source.CorrelateAsync(subject, ct).ConfigureAwait(false), Json);
        });
        group.MapGet("/prompt-diff", async (HttpRequest request, IInvestigationSource source, IAlertStore alerts, CancellationToken ct) =>
        {
            var (subject, problem) = await SubjectFromQueryAsync(request, alerts, ct).ConfigureAwait(false);
            return subject is null ? problem! : Results.Json(await source.PromptDiffAsync(subject.Feature, subject.Onset, ct).ConfigureAwait(false), Json);
        }).RequireScope(Scopes.ReadContent); // the diff shows system prompt text

        group.MapGet("/retrieval-diff", async (HttpRequest request, IInvestigationSource source, IAlertStore alerts, CancellationToken ct) =>
        {
            var (subject, problem) = await SubjectFromQueryAsync(request, alerts, ct).ConfigureAwait(false);
            return subject is null ? problem! : Results.Json(await source.RetrievalDiffAsync(subject.Feature, subject.Onset, ct).ConfigureAwait(false), Json);
        });
        group.MapGet("/top-cost-flows", async (HttpRequest request, IInvestigationSource source, TimeProvider time, CancellationToken ct) =>
        {
            var (from, to, feature, problem) = Range(request, time);
            return problem ?? Results.Json(await source.TopCostFlowsAsync(feature, from, to, 20, ct).ConfigureAwait(false), Json);
        });
        group.MapGet("/prompt-length", async (HttpRequest request, IInvestigationSource source, TimeProvider time, CancellationToken ct) =>
        {
            var (from, to, feature, problem) = Range(request, time);
            return problem ?? Results.Json(await source.PromptLengthTrendAsync(feature, from, to, ct).ConfigureAwait(false), Json);
        });
        group.MapGet("/breakdown", async (HttpRequest request, IInvestigationSource source, TimeProvider time, CancellationToken ct) =>
        {
            var (from, to, feature, problem) = Range(request, time);
            var dimension = request.Query["dimension"].ToString() is { Length: > 0 } d ? d : "provider";
            if (!DimensionAggregate.Known.Contains(dimension))
            {
                return Problems.Create(400, "Bad query", $"query parameter 'dimension' must be one of {string.Join(", ", DimensionAggregate.Known)}");
            }

            return problem ?? Results.Json(await source.BreakdownAsync(dimension, feature, from, to, ct).ConfigureAwait(false), Json);
        });
        group.MapGet("/vendor-status", async (IInvestigationSource source, CancellationToken ct) =>
            Results.Json(await source.VendorStatusAsync(ct).ConfigureAwait(false), Json));

        // Replay sends stored prompts out and returns the answers: content, so read:content.
        // Replay picks calls by feature, model and time across tenants: not for keys limited to tenants.
        app.MapGroup("/api/v1/replay").RequireScope(Scopes.ReadContent).RequireAllTenants().MapPost(string.Empty, async (HttpContext http, ReplayService replay, Validation.InputValidator validator, TimeProvider time, Configuration.QuellConfig config, OutboundPolicy outbound) =>
        {
            ReplayRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync<ReplayRequest>(http.Request.Body, Json, http.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                var field = (ex.Path ?? "$").TrimStart('$', '.');
                return Problems.Create(400, "Invalid replay", $"{(field.Length == 0 ? "$" : field)}: {ex.Message}", [new IngestError(0, null, field.Length == 0 ? "$" : field, "has the wrong type")]);
            }

            if (request is null)
            {
                return Problems.Create(400, "Invalid replay", "$: expected a JSON object");
            }

            if (ReplayRules(request, validator, time.GetUtcNow()) is { } refused)
            {
                return Problems.Create(400, "Invalid replay", $"{refused.Field}: {refused.Message}", [new IngestError(0, null, refused.Field, refused.Message)]);
            }

            if (ReplayTargets.Resolve(request, config, outbound) is not { } resolved)
            {
                return Problems.Create(400, "Invalid replay", ReplayTargets.Refusal(request, outbound), [new IngestError(0, null, "target", "not an allowed target")]);
            }

            var (report, problem) = await replay.RunAsync(resolved, http.RequestAborted).ConfigureAwait(false);
            return report is not null
                ? Results.Json(report, Json)
                : Problems.Create(400, "Invalid replay", problem!, [new IngestError(0, null, problem!.Split(':')[0], problem[(problem.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())]);
        });
    }

    /// <summary>The shared input rules applied to a replay request: ids, target, template, pins, times and the call limit.</summary>
    private static Ingest.RecordError? ReplayRules(ReplayRequest r, Validation.InputValidator validator, DateTimeOffset now)
    {
        var rules = new Ingest.InputRules(validator.Limits, now)
            .Count("call_ids", r.CallIds?.Count ?? 0, ReplayService.MaxCalls)
            .Label("alert_id", r.AlertId).Label("incident_id", r.IncidentId).Label("feature", r.Feature)
            .Length("target", r.Target, 2048).Label("target_kind", r.TargetKind)
            .Content("template", r.Template).Label("output_path", r.OutputPath)
            .Number("limit", r.Limit, 1, ReplayService.MaxCalls)
            .Count("pin", r.Pin?.Count ?? 0, Validation.InputValidator.MaxLabels);
        if (r.From is { } from)
        {
            rules.Time("from", from);
        }

        if (r.To is { } to)
        {
            rules.Time("to", to);
        }

        for (var i = 0; rules.Ok && i < (r.CallIds?.Count ?? 0); i++)
        {
            rules.Label($"call_ids[{i}]", r.CallIds![i], required: true);
        }

        foreach (var (key, value) in r.Pin ?? new Dictionary<string, string>())
        {
            rules.Label("pin", key, required: true).Label($"pin.{key}", value);
        }

        return rules.Error;
    }

    /// <summary>A subject from alert_id, or from category, signal, feature and onset.</summary>
    internal static async Task<(InvestigationSubject? Subject, IResult? Problem)> SubjectAsync(string? alertId, string? incidentId, string? category, string? signal, string? feature, string? onset, IAlertStore alerts, CancellationToken ct)
    {
        if (alertId is not null)
        {
            var alert = await alerts.GetAsync(alertId, ct).ConfigureAwait(false);
            if (alert is null)
            {
                return (null, FieldProblem(404, "alert_id", $"no alert with id '{alertId}'"));
            }

            var subject = InvestigationSubject.From(alert) with { IncidentId = incidentId };
            return (feature is null ? subject : subject with { Feature = feature }, null);
        }

        if (category is null || !Enum.TryParse<AlertCategory>(category, ignoreCase: true, out _))
        {
            return (null, FieldProblem(400, "category", "is required without alert_id: one of quality, latency, cost, data, abuse"));
        }

        if (!DateTimeOffset.TryParse(onset, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return (null, FieldProblem(400, "onset", "is required without alert_id: an RFC 3339 time"));
        }

        return (new InvestigationSubject(category.ToLowerInvariant(), signal ?? "", feature, at) { IncidentId = incidentId }, null);
    }

    internal static IResult FieldProblem(int status, string field, string message) =>
        Problems.Create(status, status == 404 ? "Not found" : "Bad request", $"{field}: {message}", [new IngestError(0, null, field, message)]);

    private static Task<(InvestigationSubject?, IResult?)> SubjectFromQueryAsync(HttpRequest request, IAlertStore alerts, CancellationToken ct)
    {
        string? S(string n) => request.Query[n].ToString() is { Length: > 0 } v ? v : null;
        return SubjectAsync(S("alert_id"), S("incident_id"), S("category"), S("signal"), S("feature"), S("onset"), alerts, ct);
    }

    private static (DateTimeOffset From, DateTimeOffset To, string? Feature, IResult? Problem) Range(HttpRequest request, TimeProvider time)
    {
        string? S(string n) => request.Query[n].ToString() is { Length: > 0 } v ? v : null;
        var now = time.GetUtcNow();
        DateTimeOffset from = now.AddHours(-24), to = now;
        if (S("from") is { } f && !DateTimeOffset.TryParse(f, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out from))
        {
            return (default, default, null, FieldProblem(400, "from", "is not an RFC 3339 time"));
        }

        if (S("to") is { } t && !DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out to))
        {
            return (default, default, null, FieldProblem(400, "to", "is not an RFC 3339 time"));
        }

        return (from, to, S("feature"), null);
    }
}
