using System.Text.Json;
using Quell.Formatting;
using Quell.Mitigations;
using Quell.Security;
using Quell.Storage.Sqlite;

namespace Quell.Server;

/// <summary>
/// /api/v1/mitigations: the control plane. GET returns the active set with a version as ETag; If-None-Match gives
/// 304, and <c>?wait=30s</c> holds the request until the version changes or the wait elapses (long-poll).
/// </summary>
public static class MitigationEndpoints
{
    /// <summary>Longest a long-poll is held, whatever the client asks.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public static void MapMitigations(this IEndpointRouteBuilder app)
    {
        // Applications (Quell.Client) and readers follow the control plane; only mitigate changes it.
        var read = app.MapGroup("/api/v1/mitigations").RequireScope(Scopes.Read);
        var mitigate = app.MapGroup("/api/v1/mitigations").RequireScope(Scopes.Mitigate);
        read.MapGet(string.Empty, async (HttpContext http, MitigationControlPlane plane, IHostApplicationLifetime lifetime) =>
        {
            var request = http.Request;
            if (request.Query["include"].ToString() == "proposed")
            {
                var open = ForTenants(http.User, plane.Open);
                return TenantView.Json(http.User, new { version = plane.Current.Version, mitigations = open }, SqliteMitigationStore.Json, plane.Open.Select(m => m.Scope.Tenant ?? string.Empty));
            }

            var wait = TimeSpan.Zero;
            if (request.Query["wait"].ToString() is { Length: > 0 } waitText && !DurationText.TryParse(waitText, out wait))
            {
                return Problems.Create(400, "Bad query", $"query parameter 'wait' must be a duration such as 30s, not '{waitText}'");
            }

            wait = wait > MaxWait ? MaxWait : wait;
            var known = ParseETag(request.Headers.IfNoneMatch.ToString());
            var set = plane.Current;
            if (known is { } k && k == set.Version && wait > TimeSpan.Zero)
            {
                // Shutdown answers held polls at once (304) so stopping never waits for a long-poll to run out.
                using var held = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
                try
                {
                    set = await plane.WaitForChangeAsync(k, wait, held.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
                {
                    set = plane.Current;
                }
                catch (OperationCanceledException)
                {
                    return Results.Empty;
                }
            }

            http.Response.Headers.ETag = ETag(set.Version);
            http.Response.Headers.CacheControl = "no-cache";
            return known == set.Version
                ? Results.StatusCode(StatusCodes.Status304NotModified)
                : TenantView.Json(http.User, set with { Mitigations = ForTenants(http.User, set.Mitigations) }, SqliteMitigationStore.Json, set.Mitigations.Select(m => m.Scope.Tenant ?? string.Empty));
        });

        read.MapGet("/audit", async (HttpRequest request, System.Security.Claims.ClaimsPrincipal user, IMitigationStore store, CancellationToken ct) =>
        {
            var id = request.Query["mitigation_id"].ToString();
            var entries = await store.AuditAsync(id.Length == 0 ? null : id, 500, ct).ConfigureAwait(false);
            if (!user.IsTenantLimited())
            {
                return Results.Json(entries, SqliteMitigationStore.Json);
            }

            var scopes = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var mid in entries.Select(e => e.MitigationId).Distinct(StringComparer.Ordinal))
            {
                scopes[mid] = (await store.GetAsync(mid, ct).ConfigureAwait(false))?.Scope.Tenant;
            }

            var visible = entries.Where(e => scopes[e.MitigationId] is not { } t || TenantAccess.MayRead(user, t)).ToList();
            return TenantView.Json(user, visible, SqliteMitigationStore.Json, scopes.Values.OfType<string>());
        });

        read.MapGet("/{id}", async (string id, System.Security.Claims.ClaimsPrincipal user, IMitigationStore store, CancellationToken ct) =>
            await store.GetAsync(id, ct).ConfigureAwait(false) is { } m && (m.Scope.Tenant is null || TenantAccess.MayRead(user, m.Scope.Tenant))
                ? TenantView.Json(user, m, SqliteMitigationStore.Json, [m.Scope.Tenant ?? string.Empty])
                : Problems.Create(404, "Not found", $"no mitigation with id '{id}'"));

        mitigate.MapPost(string.Empty, async (HttpContext http, MitigationControlPlane plane, Validation.InputValidator validator, TimeProvider time, Configuration.QuellConfig config) =>
        {
            var (request, problem) = await ReadRequestAsync(http).ConfigureAwait(false);
            if (request is null)
            {
                return problem!;
            }

            if (validator.Mitigation(request, time.GetUtcNow()) is { } refused)
            {
                return Field(refused.Field, refused.Message);
            }

            if (TwoPersonCheck.RefuseApply(config, request) is { } refusal)
            {
                return Problems.Create(403, "Two-person rule", refusal);
            }

            var result = await plane.CreateAsync(request, http.RequestAborted).ConfigureAwait(false);
            return result.Succeeded
                ? Results.Json(result.Mitigation, SqliteMitigationStore.Json, statusCode: 201)
                : ToProblem(result, "new");
        });

        mitigate.MapPost("/{id}/approve", async (string id, HttpContext http, MitigationControlPlane plane, IMitigationStore store, Configuration.QuellConfig config) =>
        {
            var (actor, _) = await ReadActorAsync(http).ConfigureAwait(false);
            if (await store.GetAsync(id, http.RequestAborted).ConfigureAwait(false) is { } proposed && TwoPersonCheck.RefuseApprove(config, proposed, actor) is { } refusal)
            {
                return Problems.Create(403, "Two-person rule", refusal);
            }

            var result = await plane.ApproveAsync(id, actor, http.RequestAborted).ConfigureAwait(false);
            return result.Succeeded ? Results.Json(result.Mitigation, SqliteMitigationStore.Json) : ToProblem(result, id);
        });

        mitigate.MapPost("/{id}/revoke", async (string id, HttpContext http, MitigationControlPlane plane) =>
        {
            var (actor, note) = await ReadActorAsync(http).ConfigureAwait(false);
            var result = await plane.RevokeAsync(id, actor, note, http.RequestAborted).ConfigureAwait(false);
            return result.Succeeded ? Results.Json(result.Mitigation, SqliteMitigationStore.Json) : ToProblem(result, id);
        });
    }

    public static string ETag(long version) => $"\"{version}\"";

    /// <summary>
    /// For a key limited to tenants: the mitigations it must obey or may know of, those scoped to every tenant and
    /// those scoped to one of its tenants; a mitigation scoped to another tenant is left out.
    /// </summary>
    private static IReadOnlyList<Mitigation> ForTenants(System.Security.Claims.ClaimsPrincipal user, IReadOnlyList<Mitigation> mitigations) =>
        user.IsTenantLimited() ? mitigations.Where(m => m.Scope.Tenant is null || TenantAccess.MayRead(user, m.Scope.Tenant)).ToList() : mitigations;

    private static long? ParseETag(string header)
    {
        var t = header.Trim();
        if (t.StartsWith("W/", StringComparison.Ordinal))
        {
            t = t[2..];
        }

        t = t.Trim('"');
        return long.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    private static IResult ToProblem(MitigationResult result, string id) => result.Failure switch
    {
        MitigationFailure.NotFound => Problems.Create(404, "Not found", $"no mitigation with id '{id}'"),
        MitigationFailure.Conflict => Problems.Create(409, "Conflict", (result.Errors is { Count: > 0 } errs ? errs[0].Message : null) ?? "the mitigation is not in a state that allows this", Errors(result.Errors)),
        _ => Problems.Create(400, "Invalid mitigation", string.Join("; ", (result.Errors ?? []).Select(e => $"{e.Field}: {e.Message}")), Errors(result.Errors)),
    };

    private static List<IngestError>? Errors(IReadOnlyList<MitigationError>? errors) =>
        errors?.Select(e => new IngestError(0, null, e.Field, e.Message)).ToList();

    private static async Task<(MitigationRequest? Request, IResult? Problem)> ReadRequestAsync(HttpContext http)
    {
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return (null, Problems.Create(400, "Bad JSON", $"the body is not JSON: {ex.Message}"));
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, Problems.Create(400, "Invalid mitigation", "$: expected a JSON object", [new IngestError(0, null, "$", "expected a JSON object")]));
            }

            TimeSpan? expiresIn = null;
            if (root.TryGetProperty("expires_in", out var e) && e.ValueKind != JsonValueKind.Null)
            {
                var text = e.ValueKind == JsonValueKind.Number ? e.GetRawText() : e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                if (!DurationText.TryParse(text, out var span))
                {
                    return (null, Field("expires_in", "must be a duration such as 30m or 2h, or a number of seconds"));
                }

                expiresIn = span;
            }

            try
            {
                var body = root.Deserialize<MitigationRequestBody>(SqliteMitigationStore.Json)!;
                return (new MitigationRequest
                {
                    Kind = body.Kind,
                    Scope = body.Scope,
                    Parameters = body.Parameters,
                    Reason = body.Reason,
                    IncidentId = body.IncidentId,
                    AlertId = body.AlertId,
                    CreatedBy = http.User.Actor(),
                    ExpiresIn = expiresIn,
                    Mode = body.Mode ?? MitigationMode.Propose,
                }, null);
            }
            catch (JsonException ex)
            {
                var path = (ex.Path ?? "$").TrimStart('$', '.');
                return (null, Field(path.Length == 0 ? "$" : path, FieldHint(path)));
            }
        }
    }

    private static string FieldHint(string path) => path switch
    {
        "kind" => "must be one of rollback, disable, fallback, rate_limit, block, budget_cap, loop_cap",
        "mode" => "must be propose or apply",
        _ => "has the wrong type",
    };

    private static IResult Field(string field, string message) =>
        Problems.Create(400, "Invalid mitigation", $"{field}: {message}", [new IngestError(0, null, field, message)]);

    /// <summary>The actor is always the calling key; the body may add a note.</summary>
    private static async Task<(string Actor, string? Note)> ReadActorAsync(HttpContext http)
    {
        var actor = http.User.Actor();
        if (http.Request.ContentLength is null or 0 && !http.Request.Headers.ContainsKey("Transfer-Encoding"))
        {
            return (actor, null);
        }

        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted).ConfigureAwait(false);
            string? S(string n) => doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (actor, S("note"));
        }
        catch (JsonException)
        {
            return (actor, null);
        }
    }

    private sealed record MitigationRequestBody
    {
        public MitigationKind? Kind { get; init; }
        public MitigationScope? Scope { get; init; }
        public MitigationParameters? Parameters { get; init; }
        public string? Reason { get; init; }
        public string? IncidentId { get; init; }
        public string? AlertId { get; init; }
        public string? CreatedBy { get; init; }
        public MitigationMode? Mode { get; init; }
        public JsonElement? ExpiresIn { get; init; }
    }
}
