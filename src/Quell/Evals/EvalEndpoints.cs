using System.Text.Json;
using Quell.Evals;
using Quell.Security;
using Quell.Server;

namespace Quell.Server.Evals;

/// <summary>Eval suites and cases, runs, regression cases from incidents and fix verification over HTTP.</summary>
public static class EvalEndpoints
{
    public static IEndpointRouteBuilder MapEvalSuites(this IEndpointRouteBuilder app)
    {
        // Named targets (replay, eval runs) by name and kind: callers choose one; the URLs and keys stay server-side.
        app.MapGroup("/api/v1/evals/targets").RequireScope(Scopes.Read).MapGet(string.Empty, (Configuration.QuellConfig config) =>
            Results.Json(new Dictionary<string, object>
            {
                ["targets"] = config.Evals.Targets.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new Dictionary<string, string?> { ["name"] = t.Key, ["kind"] = t.Value.Kind, ["model"] = t.Value.Model }).ToList(),
            }));
        var suites = app.MapGroup("/api/v1/evals/suites").RequireScope(Scopes.Read);
        var editSuites = app.MapGroup("/api/v1/evals/suites").RequireScope(Scopes.Respond);
        suites.MapGet(string.Empty, async (IEvalStore store, CancellationToken ct) => Results.Json((await store.ListSuitesAsync(ct).ConfigureAwait(false)).ToList(), FixAndLearnJson.Default.ListEvalSuite));
        editSuites.MapPost(string.Empty, (HttpContext http, EvalService evals, TimeProvider time) => SaveSuiteAsync(http, evals, time, null));
        suites.MapGet("/{id}", async (string id, IEvalStore store, CancellationToken ct) =>
            await store.GetSuiteAsync(id, ct).ConfigureAwait(false) is { } s ? Results.Json(s, FixAndLearnJson.Default.EvalSuite) : NoSuite(id));
        editSuites.MapPut("/{id}", (string id, HttpContext http, EvalService evals, TimeProvider time) => SaveSuiteAsync(http, evals, time, id));
        editSuites.MapDelete("/{id}", async (string id, IEvalStore store, CancellationToken ct) =>
        {
            if (await store.GetSuiteAsync(id, ct).ConfigureAwait(false) is not { } s)
            {
                return NoSuite(id);
            }

            return await store.DeleteSuiteAsync(s.Id, ct).ConfigureAwait(false) is { } why ? Problems.Create(409, "Not allowed now", why) : Results.NoContent();
        });
        // Cases hold the inputs of real calls.
        app.MapGroup("/api/v1/evals/suites").RequireScope(Scopes.ReadContent).MapGet("/{id}/cases", async (string id, System.Security.Claims.ClaimsPrincipal user, IEvalStore store, CancellationToken ct) =>
            await store.GetSuiteAsync(id, ct).ConfigureAwait(false) is { } s
                ? Results.Json((await store.CasesAsync(s.Id, ct).ConfigureAwait(false)).Where(c => !user.IsTenantLimited() || TenantAccess.MayRead(user, c.Tenant)).ToList(), FixAndLearnJson.Default.ListEvalCase)
                : NoSuite(id));
        editSuites.MapPost("/{id}/cases", AddCasesAsync);
        editSuites.MapDelete("/{id}/cases/{caseId}", async (string id, string caseId, IEvalStore store, CancellationToken ct) =>
        {
            if (await store.GetSuiteAsync(id, ct).ConfigureAwait(false) is not { } s)
            {
                return NoSuite(id);
            }

            return await store.DeleteCaseAsync(s.Id, caseId, ct).ConfigureAwait(false) is { } why ? Problems.Create(why.StartsWith("no case", StringComparison.Ordinal) ? 404 : 409, "Not allowed now", why) : Results.NoContent();
        });
        // Retiring a case changes what every tenant's fixes are judged on: keys limited to tenants may not.
        editSuites.MapPost("/{id}/cases/{caseId}/retire", RetireCaseAsync).RequireAllTenants();
        editSuites.MapPost("/{id}/run", RunAsync);
        // Runs hold the target's answers: readers without read:content see pass, fail and scores only.
        suites.MapGet("/{id}/runs", async (string id, HttpContext http, IEvalStore store, CancellationToken ct) =>
            await store.GetSuiteAsync(id, ct).ConfigureAwait(false) is { } s
                ? Results.Json((await TenantCasesOnlyAsync(http.User, s.Id, store, await store.RunsAsync(s.Id, 20, ct).ConfigureAwait(false), ct).ConfigureAwait(false)).Select(r => ContentMask.For(http.User, r)).ToList(), FixAndLearnJson.Default.ListEvalRun)
                : NoSuite(id));

        var incidents = app.MapGroup("/api/v1/incidents").RequireScope(Scopes.Respond);
        incidents.MapPost("/{id}/regression-cases", AddRegressionCasesAsync);
        app.MapGroup("/api/v1/incidents").RequireScope(Scopes.Read).MapGet("/{id}/verification", async (string id, System.Security.Claims.ClaimsPrincipal user, EvalService evals, Quell.Incidents.IIncidentStore store, CancellationToken ct) =>
            await store.GetAsync(id, ct).ConfigureAwait(false) is not { } incident || !TenantView.MaySee(user, incident)
                ? FixAndLearnHttp.NotFound($"no incident '{id}'")
                : Results.Json(await evals.StatusAsync(id, ct).ConfigureAwait(false), FixAndLearnJson.Default.VerificationStatus));
        incidents.MapPost("/{id}/verify", VerifyAsync);
        incidents.MapPost("/{id}/verification/override", OverrideAsync);
        return app;
    }

    private static async Task<IResult> SaveSuiteAsync(HttpContext http, EvalService evals, TimeProvider time, string? id)
    {
        var (body, problem) = await FixAndLearnHttp.ReadObjectAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var existing = id is null ? null : await evals.Store.GetSuiteAsync(id, http.RequestAborted).ConfigureAwait(false);
        if (id is not null && existing is null)
        {
            return NoSuite(id);
        }

        var name = FixAndLearnHttp.Str(body, "name") ?? existing?.Name;
        if (name is null || name.Length > 200)
        {
            return FixAndLearnHttp.Field("name", "give the suite a name (at most 200 characters)");
        }

        if (existing is null && await evals.Store.GetSuiteAsync(name, http.RequestAborted).ConfigureAwait(false) is not null)
        {
            return Problems.Create(409, "Already exists", $"a suite named '{name}' exists");
        }

        // Creating never replaces another suite through its id; PUT /suites/{id} edits one.
        if (existing is null && FixAndLearnHttp.Str(body, "id") is { } newId && await evals.Store.GetSuiteAsync(newId, http.RequestAborted).ConfigureAwait(false) is not null)
        {
            return Problems.Create(409, "Already exists", $"a suite with id '{newId}' exists; PUT /api/v1/evals/suites/{newId} edits it");
        }

        var suite = new EvalSuite
        {
            Id = existing?.Id ?? FixAndLearnHttp.Str(body, "id") ?? $"suite-{Guid.NewGuid():N}"[..14],
            Name = name,
            Description = FixAndLearnHttp.Str(body, "description") ?? existing?.Description ?? string.Empty,
            Feature = FixAndLearnHttp.Str(body, "feature") ?? existing?.Feature,
            CreatedAt = existing?.CreatedAt ?? time.GetUtcNow(),
        };
        try
        {
            await evals.Store.SaveSuiteAsync(suite, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Quell.Storage.StorageConflictException)
        {
            // Two requests created the same name at once; the other one won.
            return Problems.Create(409, "Already exists", $"a suite named '{name}' exists");
        }

        return Results.Json(suite, FixAndLearnJson.Default.EvalSuite, statusCode: existing is null ? 201 : 200);
    }

    private static async Task<IResult> AddCasesAsync(string id, HttpContext http, EvalService evals, TimeProvider time)
    {
        if (await evals.Store.GetSuiteAsync(id, http.RequestAborted).ConfigureAwait(false) is not { } suite)
        {
            return NoSuite(id);
        }

        var (body, problem) = await FixAndLearnHttp.ReadAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var items = body.ValueKind == JsonValueKind.Array ? body.EnumerateArray().ToList() : [body];
        var cases = new List<EvalCase>();
        for (var n = 0; n < items.Count; n++)
        {
            CaseInput? input;
            try
            {
                input = items[n].Deserialize(FixAndLearnJson.Default.CaseInput);
            }
            catch (JsonException ex)
            {
                return FixAndLearnHttp.Field($"[{n}]", ex.Message.Split(" Path:")[0]);
            }

            if (input is null || string.IsNullOrEmpty(input.Input))
            {
                return FixAndLearnHttp.Field($"[{n}].input", "give the input to send");
            }

            if (input.Grader is null)
            {
                return FixAndLearnHttp.Field($"[{n}].grader", $"give a grader: {{\"kind\": one of {string.Join(", ", GraderKinds.All)}, …}}");
            }

            if (EvalGrader.Validate(input.Grader) is { } bad)
            {
                return FixAndLearnHttp.Field($"[{n}].grader.{bad.Split(':')[0]}", bad[(bad.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
            }

            cases.Add(new EvalCase
            {
                Id = input.Id ?? $"{suite.Id}-{Guid.NewGuid():N}"[..(suite.Id.Length + 13)],
                SuiteId = suite.Id,
                Input = input.Input,
                Messages = input.Messages ?? [],
                Grader = input.Grader,
                Tenant = input.Tenant,
                SystemPrompt = input.SystemPrompt,
                Feature = input.Feature ?? suite.Feature,
                Description = input.Description ?? string.Empty,
                CreatedAt = time.GetUtcNow(),
            });
        }

        await evals.Store.SaveCasesAsync(cases, http.RequestAborted).ConfigureAwait(false);
        return Results.Json(cases, FixAndLearnJson.Default.ListEvalCase, statusCode: 201);
    }

    private static async Task<IResult> RunAsync(string id, HttpContext http, EvalService evals, OutboundPolicy outbound)
    {
        if (await evals.Store.GetSuiteAsync(id, http.RequestAborted).ConfigureAwait(false) is not { } suite)
        {
            return NoSuite(id);
        }

        var (body, problem) = await FixAndLearnHttp.ReadObjectAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (TargetOf(body, evals) is not { } target)
        {
            return FixAndLearnHttp.Field("target", "give a target: a configured target name or an http(s) URL");
        }

        if (RefusedTarget(outbound, evals, target) is { } refused)
        {
            return refused;
        }

        var cases = await evals.Store.CasesAsync(suite.Id, http.RequestAborted).ConfigureAwait(false);
        var run = await evals.RunAsync(suite, cases, target, null, http.RequestAborted).ConfigureAwait(false);
        var visible = (await TenantCasesOnlyAsync(http.User, suite.Id, evals.Store, [run], http.RequestAborted).ConfigureAwait(false))[0];
        return Results.Json(ContentMask.For(http.User, visible), FixAndLearnJson.Default.EvalRun);
    }

    /// <summary>Retires a case with a reason (regression cases too: kept, never run again); the actor is the signed-in key.</summary>
    private static async Task<IResult> RetireCaseAsync(string id, string caseId, HttpContext http, EvalService evals, TimeProvider time)
    {
        var (body, problem) = await FixAndLearnHttp.ReadObjectAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var reason = FixAndLearnHttp.Str(body, "reason")?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > 1000)
        {
            return FixAndLearnHttp.Field("reason", "say why the case no longer applies (1 to 1000 characters)");
        }

        if (await evals.Store.GetSuiteAsync(id, http.RequestAborted).ConfigureAwait(false) is not { } suite)
        {
            return NoSuite(id);
        }

        var retirement = new CaseRetirement(time.GetUtcNow(), http.User.Actor(), reason);
        if (await evals.RetireCaseAsync(suite.Id, caseId, retirement, http.RequestAborted).ConfigureAwait(false) is { } why)
        {
            return Problems.Create(why.StartsWith("no case", StringComparison.Ordinal) ? 404 : 409, "Not retired", why);
        }

        return Results.Json(retirement, FixAndLearnJson.Default.CaseRetirement);
    }

    private static async Task<IResult> AddRegressionCasesAsync(string id, HttpContext http, EvalService evals)
    {
        var (body, problem) = await FixAndLearnHttp.ReadObjectAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var callIds = body.TryGetProperty("call_ids", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? ids.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!).ToList()
            : [];
        var result = await evals.AddRegressionCasesAsync(id, callIds, FixAndLearnHttp.Str(body, "reference"), FixAndLearnHttp.Str(body, "rubric"), http.User.Actor(), http.RequestAborted).ConfigureAwait(false);
        if (result is null)
        {
            return FixAndLearnHttp.NotFound($"no incident '{id}'");
        }

        if (result.Problem is { } unsupported)
        {
            return Problems.Create(422, "No fitting grader", unsupported);
        }

        return result.Cases.Count == 0
            ? Problems.Create(422, "No cases", $"incident {id} has no example calls with an input still in the log; pass call_ids")
            : Results.Json(ContentMask.For(http.User, http.User.IsTenantLimited() ? result with { Cases = result.Cases.Where(c => TenantAccess.MayRead(http.User, c.Tenant)).ToList() } : result), FixAndLearnJson.Default.RegressionCasesResponse, statusCode: result.Added > 0 ? 201 : 200);
    }

    private static async Task<IResult> VerifyAsync(string id, HttpContext http, EvalService evals, OutboundPolicy outbound)
    {
        var (body, problem) = await FixAndLearnHttp.ReadObjectAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (TargetOf(body, evals) is not { } target)
        {
            return FixAndLearnHttp.Field("target", "give the fixed version's target: a configured target name or an http(s) URL");
        }

        if (RefusedTarget(outbound, evals, target) is { } refused)
        {
            return refused;
        }

        var result = await evals.VerifyAsync(id, target, http.User.Actor(), http.RequestAborted).ConfigureAwait(false);
        return result is { } r ? Results.Json(r.Status, FixAndLearnJson.Default.VerificationStatus) : FixAndLearnHttp.NotFound($"no incident '{id}'");
    }

    private static async Task<IResult> OverrideAsync(string id, HttpContext http, EvalService evals)
    {
        var (body, problem) = await FixAndLearnHttp.ReadObjectAsync(http).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var by = http.User.Actor();

        if (FixAndLearnHttp.Str(body, "reason") is not { } reason || string.IsNullOrWhiteSpace(reason))
        {
            return FixAndLearnHttp.Field("reason", "say why the fix ships without passing its regression cases");
        }

        return await evals.OverrideAsync(id, reason, by, http.RequestAborted).ConfigureAwait(false)
            ? Results.Json(await evals.StatusAsync(id, http.RequestAborted).ConfigureAwait(false), FixAndLearnJson.Default.VerificationStatus)
            : FixAndLearnHttp.NotFound($"no incident '{id}'");
    }

    /// <summary>For a key limited to tenants: each run keeps only the outcomes of cases of its tenants.</summary>
    private static async Task<IReadOnlyList<EvalRun>> TenantCasesOnlyAsync(System.Security.Claims.ClaimsPrincipal user, string suiteId, IEvalStore store, IReadOnlyList<EvalRun> runs, CancellationToken ct)
    {
        if (!user.IsTenantLimited())
        {
            return runs;
        }

        var allowed = (await store.CasesAsync(suiteId, ct).ConfigureAwait(false)).Where(c => TenantAccess.MayRead(user, c.Tenant)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        return runs.Select(r => r with { Outcomes = r.Outcomes.Where(o => allowed.Contains(o.CaseId)).ToList() }).ToList();
    }

    /// <summary>A URL the caller typed (not a configured target) must pass the outbound policy.</summary>
    private static IResult? RefusedTarget(OutboundPolicy outbound, EvalService evals, Configuration.EvalTargetConfig target) =>
        evals.IsConfiguredTarget(target.Url) || !Uri.TryCreate(target.Url, UriKind.Absolute, out var url)
            ? null
            : outbound.RefuseCallerUrl(url) is { } why ? FixAndLearnHttp.Field("target", why) : null;

    private static Configuration.EvalTargetConfig? TargetOf(JsonElement body, EvalService evals) =>
        FixAndLearnHttp.Str(body, "target") is { } t
            ? evals.Target(t, FixAndLearnHttp.Str(body, "kind"), FixAndLearnHttp.Str(body, "model"), FixAndLearnHttp.Str(body, "request_template"), FixAndLearnHttp.Str(body, "response_path"))
            : null;

    private static IResult NoSuite(string id) => FixAndLearnHttp.NotFound($"no eval suite '{id}'");
}

/// <summary>An eval case as clients send it; Quell fills in the suite, id and time.</summary>
public sealed record CaseInput
{
    public string? Id { get; init; }

    public string? Input { get; init; }

    public List<EvalMessage>? Messages { get; init; }

    public GraderSpec? Grader { get; init; }

    public string? Tenant { get; init; }

    public string? SystemPrompt { get; init; }

    public string? Feature { get; init; }

    public string? Description { get; init; }
}
