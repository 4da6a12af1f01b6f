using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Quell.Configuration;
using Quell.Incidents;
using Quell.Notifications;
using Quell.OnCall;
using Quell.Response;
using Quell.Security;
using Quell.Server.Incidents;
using Quell.Server.Notifications;
using Quell.Storage.Sqlite;
using Quell.Yaml;

namespace Quell.Server;

/// <summary>Incidents, responder commands, the Alertmanager webhook, who is on call and silences over HTTP.</summary>
public static class IncidentEndpoints
{
    /// <summary>Registers the incident manager (its store and outbox come from the storage provider), channel senders, dispatcher and the incident clock.</summary>
    public static IServiceCollection AddIncidents(this IServiceCollection services, QuellConfig config, TimeProvider time)
    {
        var policy = IncidentConfigResolver.Policy(config);
        var onCall = IncidentConfigResolver.OnCall(config);
        var delivery = IncidentConfigResolver.Delivery(config);
        services.AddSingleton(policy);
        services.AddSingleton(onCall);
        services.AddSingleton(sp => new IncidentManager(policy, onCall, time) { Recurrence = sp.GetService<IRecurrenceWatch>() });
        services.AddSingleton(sp => new RecordingChannel(time, sp.GetService<ILogger<RecordingChannel>>()));
        services.AddSingleton(sp => new NotificationHttpClient(config.Incidents.Delivery.AttemptTimeout));
        services.AddSingleton(sp =>
        {
            var http = sp.GetRequiredService<NotificationHttpClient>().Client;
            var senders = new List<INotificationSender> { sp.GetRequiredService<RecordingChannel>() };
            var c = config.Channels;
            if (c.Pagerduty is { RoutingKey.Length: > 0 } pd)
            {
                senders.Add(new PagerDutySender(http, pd));
            }

            if (c.Slack is { WebhookUrl.Length: > 0 } slack)
            {
                senders.Add(new SlackSender(http, slack));
            }

            senders.AddRange(c.Webhooks.Where(w => w.Url.Length > 0).Select(w => new WebhookSender(http, w, time)));
            if (c.Email is { SmtpHost.Length: > 0 } email)
            {
                senders.Add(new EmailSender(email));
            }

            return new NotificationDispatcher(sp.GetRequiredService<INotificationOutbox>(), senders, delivery, time, new Random(), sp.GetService<ILogger<NotificationDispatcher>>(), sp.GetRequiredService<IncidentMetrics>());
        });
        services.AddSingleton(sp => new IncidentMetrics(sp.GetRequiredService<Ingest.IngestMetrics>().Meter, sp.GetRequiredService<INotificationOutbox>(), time));
        services.AddSingleton(sp => new IncidentHookRegistry(sp.GetServices<IIncidentTransitionGate>(), sp.GetServices<IIncidentObserver>()));
        services.AddSingleton(sp => new IncidentService(sp.GetRequiredService<IIncidentStore>(), sp.GetRequiredService<IncidentManager>(), sp.GetRequiredService<NotificationDispatcher>(), sp.GetRequiredService<IncidentHookRegistry>(), sp.GetRequiredService<IncidentMetrics>(), sp.GetRequiredService<Cluster.ClusterCoordination>().DecisionLock));
        services.AddHostedService(sp => new IncidentWorker(sp.GetRequiredService<IncidentService>(), sp.GetRequiredService<NotificationDispatcher>(), time, config.Incidents.TickInterval, sp.GetService<ILogger<IncidentWorker>>()));
        return services;
    }

    public static IEndpointRouteBuilder MapIncidents(this IEndpointRouteBuilder app)
    {
        // Readers see incidents; responders act on them, always as the key that calls.
        var incidents = app.MapGroup("/api/v1/incidents");
        incidents.MapGet(string.Empty, ListAsync).RequireScope(Scopes.Read);
        incidents.MapGet("/{id}", ShowAsync).RequireScope(Scopes.Read);
        var respond = app.MapGroup("/api/v1/incidents").RequireScope(Scopes.Respond);
        incidents = respond;
        // The actor is always the calling key's name; a "by" in the body is ignored (older CLIs still send one).
        incidents.MapPost("/{id}/ack", (string id, HttpContext http, IncidentService s) => CommandAsync(id, http, s, (m, i, b, by) => m.Acknowledge(i, by)));
        incidents.MapPost("/{id}/assign", (string id, HttpContext http, IncidentService s) => CommandAsync(id, http, s, (m, i, b, by) => m.Assign(i, Str(b, "commander"), Str(b, "assignee"), by)));
        incidents.MapPost("/{id}/note", (string id, HttpContext http, IncidentService s) => CommandAsync(id, http, s, (m, i, b, by) => m.AddNote(i, Str(b, "text") ?? string.Empty, by)));
        incidents.MapPost("/{id}/resolve", (string id, HttpContext http, IncidentService s) => CommandAsync(id, http, s, (m, i, b, by) => m.Resolve(i, by, Str(b, "note"))));
        incidents.MapPost("/{id}/close", (string id, HttpContext http, IncidentService s) => CommandAsync(id, http, s, (m, i, b, by) => m.Close(i, by, Str(b, "note"))));
        incidents.MapPost("/{id}/severity", (string id, HttpContext http, IncidentService s) => CommandAsync(id, http, s, (m, i, b, by) =>
            IncidentText.TryParseSeverity(Str(b, "severity"), out var sev)
                ? m.SetSeverity(i, sev, Str(b, "reason") ?? string.Empty, by)
                : CommandResult.Refused("severity", $"severity '{Str(b, "severity")}' is not one of S1, S2, S3")));
        incidents.MapPost("/{id}/transition", (string id, HttpContext http, IncidentService s) => CommandAsync(id, http, s, (m, i, b, by) =>
            IncidentText.TryParseState(Str(b, "to"), out var to)
                ? m.Transition(i, to, by, Str(b, "note"))
                : CommandResult.Refused("to", $"state '{Str(b, "to")}' is not one of {string.Join(", ", Enum.GetValues<IncidentState>().Select(x => x.Name()))}")));
        app.MapGroup("/api/v1/alertmanager").RequireScope(Scopes.Ingest).MapPost(string.Empty, AlertmanagerAsync).RequireSignature(InboundWebhookSources.Alertmanager);
        app.MapGroup("/api/v1/oncall").RequireScope(Scopes.Read).MapGet(string.Empty, OnCallNow);
        var silences = app.MapGroup("/api/v1/silences");
        silences.MapGet(string.Empty, ListSilencesAsync).RequireScope(Scopes.Read);
        silences.MapPost(string.Empty, CreateSilenceAsync).RequireScope(Scopes.Respond);
        silences.MapDelete("/{id}", async (string id, IncidentService s, CancellationToken ct) =>
            await s.DeleteSilenceAsync(id, ct).ConfigureAwait(false) ? Results.NoContent() : Problems.Create(404, "Not found", $"no silence '{id}'")).RequireScope(Scopes.Respond);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, System.Security.Claims.ClaimsPrincipal user, IncidentService service, CancellationToken ct)
    {
        IncidentState? state = null;
        Severity? severity = null;
        if (request.Query["state"].ToString() is { Length: > 0 } st)
        {
            if (!IncidentText.TryParseState(st, out var s))
            {
                return FieldProblem("state", $"'{st}' is not an incident state");
            }

            state = s;
        }

        if (request.Query["severity"].ToString() is { Length: > 0 } sv)
        {
            if (!IncidentText.TryParseSeverity(sv, out var s))
            {
                return FieldProblem("severity", $"'{sv}' is not one of S1, S2, S3");
            }

            severity = s;
        }

        var category = request.Query["category"].ToString() is { Length: > 0 } c ? c : null;
        var limit = int.TryParse(request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? l : 100;
        var list = await service.ListAsync(new IncidentQuery(state, severity, category, limit), ct).ConfigureAwait(false);

        // A key limited to tenants sees the incidents that involve its tenants, other tenants' names replaced.
        var visible = list.Where(i => TenantView.MaySee(user, i)).ToList();
        return TenantView.Json(user, visible, IncidentApiJson.Default.ListIncident, visible.SelectMany(TenantView.TenantsOf));
    }

    private static async Task<IResult> ShowAsync(string id, System.Security.Claims.ClaimsPrincipal user, IncidentService service, INotificationOutbox outbox, CancellationToken ct)
    {
        var incident = await service.GetAsync(id, ct).ConfigureAwait(false);
        return incident is null || !TenantView.MaySee(user, incident) ? NotFound(id) : await DetailAsync(incident, user, service, outbox, ct).ConfigureAwait(false);
    }

    private static async Task<IResult> DetailAsync(Incident incident, System.Security.Claims.ClaimsPrincipal user, IncidentService service, INotificationOutbox outbox, CancellationToken ct)
    {
        var node = JsonSerializer.SerializeToNode(incident, IncidentApiJson.Default.Incident)!.AsObject();
        node["timeline"] = JsonSerializer.SerializeToNode((await service.TimelineAsync(incident.Id, ct).ConfigureAwait(false)).ToList(), IncidentApiJson.Default.ListTimelineEntry);
        node["notifications"] = JsonSerializer.SerializeToNode((await outbox.ForIncidentAsync(incident.Id, ct).ConfigureAwait(false)).Select(OutboxItemView.From).ToList(), IncidentApiJson.Default.ListOutboxItemView);
        var t = incident.Timings;
        node["timings_seconds"] = new JsonObject
        {
            ["to_detect"] = t.ToDetect?.TotalSeconds,
            ["to_acknowledge"] = t.ToAcknowledge?.TotalSeconds,
            ["to_mitigate"] = t.ToMitigate?.TotalSeconds,
            ["to_resolve"] = t.ToResolve?.TotalSeconds,
        };
        TenantView.Redact(node, TenantView.Others(user, TenantView.TenantsOf(incident)));
        return Results.Content(node.ToJsonString(), "application/json");
    }

    private static async Task<IResult> CommandAsync(string id, HttpContext http, IncidentService service, Func<IncidentManager, Incident, JsonElement, string, CommandResult> command)
    {
        var (body, problem) = await ReadObjectAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (TooLong(body, http.RequestServices.GetRequiredService<Configuration.QuellConfig>().Limits) is { } tooLong)
        {
            return tooLong;
        }

        // A key limited to tenants acts only on incidents it can see.
        if (http.User.IsTenantLimited() && await service.GetAsync(id, http.RequestAborted).ConfigureAwait(false) is { } target && !TenantView.MaySee(http.User, target))
        {
            return NotFound(id);
        }

        var actor = http.User.Actor();
        var result = await service.ExecuteAsync(id, (m, i) => command(m, i, body, actor), http.RequestAborted).ConfigureAwait(false);
        if (result is null)
        {
            return NotFound(id);
        }

        if (result.Refusal is { } r)
        {
            return r.Conflict
                ? Problems.Create(409, "Not allowed now", r.Message, [new IngestError(0, id, r.Field, r.Message)])
                : FieldProblem(r.Field, r.Message, id);
        }

        return await DetailAsync(result.Change!.Incident, http.User, service, http.RequestServices.GetRequiredService<INotificationOutbox>(), http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<IResult> AlertmanagerAsync(HttpContext http, IncidentService service, TimeProvider time, Validation.InputValidator validator, Configuration.QuellConfig config)
    {
        var (body, problem) = await ReadObjectAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        var mapped = AlertmanagerWebhook.Map(body, now, config.Alertmanager);
        if (mapped.Error is { } e)
        {
            return FieldProblem(e.Field, e.Message);
        }

        for (var i = 0; i < mapped.Signals.Count; i++)
        {
            if (validator.Signal(mapped.Signals[i], now, $"alerts[{i}]") is { } refused)
            {
                return FieldProblem(refused.Field, refused.Message);
            }
        }

        var changes = await service.IngestSignalsAsync(mapped.Signals, http.RequestAborted).ConfigureAwait(false);
        var ids = changes.Select(c => c.Incident.Id).Distinct().ToList();
        return Results.Json(new AlertmanagerResponse(mapped.Signals.Count, ids), IncidentApiJson.Default.AlertmanagerResponse);
    }

    private static IResult OnCallNow(HttpRequest request, OnCallDirectory directory, TimeProvider time)
    {
        var at = time.GetUtcNow();
        if (request.Query["at"].ToString() is { Length: > 0 } text && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
        {
            return FieldProblem("at", $"'{text}' is not an RFC 3339 instant");
        }

        var only = request.Query["schedule"].ToString();
        if (only.Length > 0 && !directory.Schedules.ContainsKey(only))
        {
            return FieldProblem("schedule", $"no schedule '{only}'; known: {string.Join(", ", directory.Schedules.Keys)}");
        }

        var views = directory.Schedules.Values
            .Where(s => only.Length == 0 || s.Name == only)
            .Select(s => OnCallResolver.WhoIsOnCall(s, at) is { } shift
                ? new OnCallView(s.Name, shift.User, shift.Source, shift.From, shift.To)
                : new OnCallView(s.Name, null, null, null, null))
            .ToList();
        return Results.Json(views, IncidentApiJson.Default.ListOnCallView);
    }

    private static async Task<IResult> ListSilencesAsync(System.Security.Claims.ClaimsPrincipal user, IncidentService service, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var silences = await service.SilencesAsync(ct).ConfigureAwait(false);
        var list = silences.Select(s => SilenceView.From(s, now)).ToList();

        // Silences are shared; for a key limited to tenants the tenants they match are named only when they are its own.
        return TenantView.Json(user, list, IncidentApiJson.Default.ListSilenceView, silences.SelectMany(s => s.Matchers).Where(m => m.Name == "tenant").Select(m => m.Value));
    }

    private static async Task<IResult> CreateSilenceAsync(HttpContext http, IncidentService service, TimeProvider time, Validation.InputValidator validator)
    {
        var (body, problem) = await ReadObjectAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        var matchers = new List<LabelMatcher>();
        if (!body.TryGetProperty("matchers", out var ms) || ms.ValueKind != JsonValueKind.Array || ms.GetArrayLength() == 0)
        {
            return FieldProblem("matchers", "give at least one matcher, e.g. [\"feature=support_chat\"] or [{\"name\":\"feature\",\"value\":\"support_chat\",\"is_regex\":false,\"is_equal\":true}]");
        }

        var index = 0;
        foreach (var m in ms.EnumerateArray())
        {
            string? error;
            LabelMatcher? matcher;
            if (m.ValueKind == JsonValueKind.String)
            {
                matcher = LabelMatcher.TryParse(m.GetString()!, out error);
            }
            else if (m.ValueKind == JsonValueKind.Object)
            {
                var regex = Bool(m, "is_regex") ?? Bool(m, "isRegex") ?? false;
                var equal = Bool(m, "is_equal") ?? Bool(m, "isEqual") ?? true;
                var op = (regex, equal) switch { (false, true) => "=", (false, false) => "!=", (true, true) => "=~", _ => "!~" };
                matcher = LabelMatcher.Create(Str(m, "name") ?? string.Empty, op, Str(m, "value") ?? string.Empty, out error);
            }
            else
            {
                matcher = null;
                error = "a matcher is a string or an object";
            }

            if (matcher is null)
            {
                return FieldProblem($"matchers[{index}]", error!);
            }

            matchers.Add(matcher);
            index++;
        }

        var starts = now;
        if (Str(body, "starts_at") is { } s && !DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out starts))
        {
            return FieldProblem("starts_at", $"'{s}' is not an RFC 3339 instant");
        }

        if (new Ingest.InputRules(validator.Limits, now).Time("starts_at", starts, validator.Limits.MaxDuration).Error is { } early)
        {
            return FieldProblem(early.Field, early.Message);
        }

        DateTimeOffset ends;
        if (Str(body, "ends_at") is { } e)
        {
            if (!DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out ends))
            {
                return FieldProblem("ends_at", $"'{e}' is not an RFC 3339 instant");
            }
        }
        else if (Str(body, "duration") is { } d)
        {
            if (YamlTimeSpanConverter.ParseDuration(d) is not { } span || span <= TimeSpan.Zero || span > validator.Limits.MaxDuration)
            {
                return FieldProblem("duration", $"'{(d.Length > 40 ? d[..40] + "…" : d)}' is not a positive duration such as 30m, 2h or 14d of at most {validator.Limits.MaxDuration.TotalDays:0} days");
            }

            ends = starts + span;
        }
        else
        {
            return FieldProblem("ends_at", "give ends_at (RFC 3339) or a positive duration (e.g. 2h)");
        }

        if (ends <= starts)
        {
            return FieldProblem("ends_at", "ends_at must be after starts_at");
        }

        var silence = new Silence
        {
            Id = Str(body, "id") ?? $"sil-{Guid.NewGuid():N}"[..16],
            Matchers = matchers,
            StartsAt = starts,
            EndsAt = ends,
            CreatedBy = http.User.Actor(),
            Comment = Str(body, "comment") ?? string.Empty,
        };
        if (validator.Silence(silence, now) is { } refused)
        {
            return FieldProblem(refused.Field, refused.Message);
        }

        await service.AddSilenceAsync(silence, http.RequestAborted).ConfigureAwait(false);
        return Results.Json(SilenceView.From(silence, now), IncidentApiJson.Default.SilenceView, statusCode: 201);
    }

    private static async Task<(JsonElement Body, IResult? Problem)> ReadObjectAsync(HttpContext http)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 32 }, http.RequestAborted).ConfigureAwait(false);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (default, FieldProblem("$", "the body must be a JSON object"));
            }

            return (doc.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return (default, FieldProblem("$", $"malformed JSON: {ex.Message.Split(" Path:")[0]}"));
        }
    }

    internal static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static bool? Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static IResult NotFound(string id) => Problems.Create(404, "Not found", $"no incident '{id}'");

    // Names (who, to whom, which severity) are labels; notes and reasons are short text. Every command's words land on
    // the incident's timeline for good and come back with every later answer, so they get the same limits as ingest.
    private static readonly HashSet<string> NameFields = new(StringComparer.Ordinal) { "by", "assignee", "commander", "severity", "state", "to", "user" };

    private static IResult? TooLong(JsonElement body, Ingest.IngestLimits limits)
    {
        foreach (var p in body.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var limit = NameFields.Contains(p.Name) ? limits.MaxLabelChars : limits.MaxTextChars;
            var length = p.Value.GetString()!.Length;
            if (length > limit)
            {
                return FieldProblem(p.Name, $"is {length} characters long; the limit is {limit}");
            }
        }

        return null;
    }

    private static IResult FieldProblem(string field, string message, string? id = null) =>
        Problems.Create(400, "Invalid request", $"{field}: {message}", [new IngestError(0, id, field, message)]);
}

/// <summary>One HttpClient for all HTTP channels, with a per-attempt timeout.</summary>
public sealed class NotificationHttpClient(TimeSpan timeout) : IDisposable
{
    public HttpClient Client { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = timeout };

    public void Dispose() => Client.Dispose();
}
