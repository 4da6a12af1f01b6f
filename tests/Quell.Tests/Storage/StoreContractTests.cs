using Quell.Alerts;
using Quell.Calls;
using Quell.Changes;
using Quell.Detection;
using Quell.Evals;
using Quell.Isolation;
using Quell.Mitigations;
using Quell.Postmortems;
using Quell.Response;
using Quell.Scanning.Canaries;
using Quell.Security;
using Quell.Storage;
using Quell.WebConsole;

namespace Quell.Tests.Storage;

/// <summary>Quality, change, alert, mitigation, canary, eval, post-mortem, key, audit, probe and console stores over every provider.</summary>
public abstract class StoreContractTests(StorageFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task QualityLog_FeedbackFillsFromRatedCall_AndLogsReadByCursorAndWindow()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.CallLog.AppendAsync([new CallRecord { Id = "c1", Timestamp = T0, Feature = "chat", Model = "m1", ModelVersion = "v1", PromptVersion = "p1", Tenant = "acme" }]);
        await storage.QualityLog.AppendFeedbackAsync([
            new FeedbackRecord { CallId = "c1", Timestamp = T0.AddMinutes(1), ThumbsUp = false, Comment = "wrong" },
            new FeedbackRecord { CallId = "unknown", Timestamp = T0.AddMinutes(2), Score = 0.9, Feature = "search" },
        ]);
        await storage.QualityLog.AppendEvalsAsync([
            new EvalResult { Suite = "s", CaseId = "a", Passed = true, Score = 1, Feature = "chat", Timestamp = T0 },
            new EvalResult { Suite = "s", CaseId = "b", Passed = false, Feature = "search", Timestamp = T0.AddHours(2) },
        ]);

        var feedback = await storage.QualityLog.ReadFeedbackAfterAsync(0, 10);
        Assert.Equal(("chat", "m1", "v1", "p1", "acme", (bool?)false), (feedback[0].Feedback.Feature, feedback[0].Feedback.Model, feedback[0].Feedback.ModelVersion, feedback[0].Feedback.PromptVersion, feedback[0].Feedback.Tenant, feedback[0].Feedback.ThumbsUp));
        Assert.Equal(("search", (string?)null, (bool?)null, (double?)0.9), (feedback[1].Feedback.Feature, feedback[1].Feedback.Model, feedback[1].Feedback.ThumbsUp, feedback[1].Feedback.Score));
        Assert.Single(await storage.QualityLog.ReadFeedbackAfterAsync(feedback[0].Sequence, 10));
        var evals = await storage.QualityLog.ReadEvalsAfterAsync(0, 10);
        Assert.Equal([true, false], evals.Select(e => e.Result.Passed).ToList());
        Assert.Equal(["a"], (await storage.QualityLog.QueryEvalsAsync(T0, T0.AddHours(1))).Select(e => e.CaseId).ToList());
        Assert.Equal(["b"], (await storage.QualityLog.QueryEvalsAsync(T0, T0.AddHours(3), "search")).Select(e => e.CaseId).ToList());
    }

    [Fact]
    public async Task ChangeLog_ResentIdIgnored_QueriedNewestFirstByFeature()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var deploy = new ChangeEvent { Id = "ch1", Timestamp = T0, Kind = "deploy", Scope = new Dictionary<string, string> { ["feature"] = "chat" }, From = "v1", To = "v2" };
        Assert.Equal(2, await storage.Changes.AppendAsync([deploy, new ChangeEvent { Id = "ch2", Timestamp = T0.AddMinutes(5), Kind = "prompt", Scope = new Dictionary<string, string> { ["feature"] = "search" } }]));
        Assert.Equal(0, await storage.Changes.AppendAsync([deploy with { To = "v3" }]));

        Assert.Equal(["ch2", "ch1"], (await storage.Changes.QueryAsync(null, null)).Select(c => c.Id).ToList());
        var chat = Assert.Single(await storage.Changes.QueryAsync(T0.AddMinutes(-1), T0.AddMinutes(10), "chat"));
        Assert.Equal(("v1", "v2", "chat"), (chat.From, chat.To, chat.Scope["feature"]));
    }

    [Fact]
    public async Task Alerts_UpsertResolves_QueryByStateAndCategory()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var alert = new Alert { Id = "al1", Category = AlertCategory.Latency, Signal = "p95", Labels = new Dictionary<string, string> { ["feature"] = "chat" }, Observed = 900, Baseline = double.PositiveInfinity, OnsetEstimate = T0, FiredAt = T0, Fingerprint = "fp" };
        await storage.Alerts.UpsertAsync(alert);
        await storage.Alerts.UpsertAsync(alert with { Id = "al2", Category = AlertCategory.Cost, FiredAt = T0.AddMinutes(1) });
        await storage.Alerts.UpsertAsync(alert with { State = AlertState.Resolved, ResolvedAt = T0.AddMinutes(9) });

        Assert.Equal(AlertState.Resolved, (await storage.Alerts.GetAsync("al1"))!.State);
        Assert.True(double.IsPositiveInfinity((await storage.Alerts.GetAsync("al1"))!.Baseline));
        Assert.Equal(["al2"], (await storage.Alerts.QueryAsync(new AlertQuery(State: "firing"))).Select(a => a.Id).ToList());
        Assert.Equal(["al1"], (await storage.Alerts.QueryAsync(new AlertQuery(Category: "latency"))).Select(a => a.Id).ToList());
        Assert.Equal(["al2", "al1"], (await storage.Alerts.QueryAsync(new AlertQuery())).Select(a => a.Id).ToList());
        Assert.Null(await storage.Alerts.GetAsync("none"));
    }

    [Fact]
    public async Task Mitigations_EverySaveAudited_QueryByState()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var m = new Mitigation { Id = "m1", Kind = MitigationKind.Rollback, Reason = "bad prompt", CreatedBy = "ana", CreatedAt = T0, UpdatedAt = T0, IncidentId = "inc-1" };
        var s1 = await storage.Mitigations.SaveAsync(m, "propose", "ana", null, null);
        var s2 = await storage.Mitigations.SaveAsync(m with { State = MitigationState.Active, UpdatedAt = T0.AddMinutes(1) }, "activate", "bo", MitigationState.Proposed, "go");
        await storage.Mitigations.SaveAsync(m with { Id = "m2", CreatedAt = T0.AddMinutes(2), UpdatedAt = T0.AddMinutes(2) }, "propose", "ana", null, null);

        Assert.True(s2 > s1);
        Assert.Equal(MitigationState.Active, (await storage.Mitigations.GetAsync("m1"))!.State);
        Assert.Equal(["m1"], (await storage.Mitigations.QueryAsync([MitigationState.Active])).Select(x => x.Id).ToList());
        Assert.Equal(["m2", "m1"], (await storage.Mitigations.QueryAsync([])).Select(x => x.Id).ToList());
        var audit = await storage.Mitigations.AuditAsync("m1");
        Assert.Equal([("activate", (MitigationState?)MitigationState.Proposed, MitigationState.Active, "go"), ("propose", null, MitigationState.Proposed, null)], audit.Select(a => (a.Action, a.FromState, a.ToState, a.Note)).ToList());
        Assert.Equal(3, (await storage.Mitigations.AuditAsync(null)).Count);
        Assert.Equal((await storage.Mitigations.AuditAsync(null))[0].Sequence, await storage.Mitigations.LastAuditSequenceAsync());
    }

    [Fact]
    public async Task Canaries_SavedOnce_LoadedAfterReopen()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.Canaries.SaveAsync(new Canary("QX-1", "acme", CanaryPlacement.Document));
        await storage.Canaries.SaveAsync(new Canary("QX-1", "acme", CanaryPlacement.Document));
        await storage.Canaries.SaveAsync(new Canary("QX-2", "globex", CanaryPlacement.SystemPrompt));

        using var reopened = fixture.Reopen(storage, TimeProvider.System);
        Assert.Equal([new Canary("QX-1", "acme", CanaryPlacement.Document), new Canary("QX-2", "globex", CanaryPlacement.SystemPrompt)], reopened.Canaries.LoadAll().OrderBy(c => c.Token).ToList());
    }

    [Fact]
    public async Task Evals_SuiteNamesUnique_RegressionCasesKept_LatestResultPerCase()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var evals = storage.Evals;
        await evals.SaveSuiteAsync(new EvalSuite { Id = "su1", Name = "support", CreatedAt = T0 });
        await Assert.ThrowsAsync<StorageConflictException>(() => evals.SaveSuiteAsync(new EvalSuite { Id = "su2", Name = "support", CreatedAt = T0 }));
        var grader = new GraderSpec { Kind = "contains" };
        Assert.Equal(2, await evals.SaveCasesAsync([
            new EvalCase { Id = "c1", SuiteId = "su1", Input = "q1", Grader = grader, CreatedAt = T0 },
            new EvalCase { Id = "c2", SuiteId = "su1", Input = "q2", Grader = grader, CreatedAt = T0.AddMinutes(1), IncidentId = "inc-1" },
        ]));
        await evals.SaveCasesAsync([new EvalCase { Id = "c2", SuiteId = "su1", Input = "changed", Grader = grader, CreatedAt = T0.AddMinutes(1), IncidentId = "inc-1" }]);

        Assert.Equal("q2", (await evals.CasesForIncidentAsync("inc-1")).Single().Input);
        Assert.Equal("su1", (await evals.GetSuiteAsync("support"))!.Id);
        Assert.NotNull(await evals.DeleteSuiteAsync("su1"));
        Assert.NotNull(await evals.DeleteCaseAsync("su1", "c2"));
        Assert.Null(await evals.DeleteCaseAsync("su1", "c1"));
        Assert.NotNull(await evals.DeleteCaseAsync("su1", "c1"));
        Assert.Equal(["c2"], (await evals.CasesAsync("su1")).Select(c => c.Id).ToList());

        // A regression case cannot be deleted but can be retired, once, with its reason kept.
        var retirement = new CaseRetirement(T0.AddMinutes(9), "alice", "the flow it covered was removed");
        var (retired, why) = await evals.RetireCaseAsync("su1", "c2", retirement);
        Assert.Null(why);
        Assert.Equal(retirement, retired!.Retired);
        Assert.Equal(retirement, (await evals.CasesForIncidentAsync("inc-1")).Single().Retired);
        Assert.Contains("was retired by alice", (await evals.RetireCaseAsync("su1", "c2", retirement)).Why, StringComparison.Ordinal);
        Assert.StartsWith("no case", (await evals.RetireCaseAsync("su1", "nope", retirement)).Why, StringComparison.Ordinal);

        await storage.QualityLog.AppendEvalsAsync([
            new EvalResult { Suite = "support", CaseId = "c2", Passed = true, Timestamp = T0 },
            new EvalResult { Suite = "support", CaseId = "c2", Passed = false, Timestamp = T0.AddMinutes(2) },
            new EvalResult { Suite = "support", CaseId = "c2", Passed = true, Timestamp = T0.AddMinutes(3) },
        ]);
        var cases = await evals.CasesAsync("su1");
        Assert.Equal(new Dictionary<string, bool> { ["c2"] = true }, await evals.LatestResultsAsync("support", cases));

        await evals.SaveRunAsync(new EvalRun { Id = "r1", SuiteId = "su1", Target = "http://app", StartedAt = T0, FinishedAt = T0.AddMinutes(1), Outcomes = [new EvalCaseOutcome("c2", true, 1, "ok", "out", null)] });
        await evals.SaveRunAsync(new EvalRun { Id = "r2", SuiteId = "su1", Target = "http://app", StartedAt = T0, FinishedAt = T0.AddMinutes(5) });
        Assert.Equal(["r2", "r1"], (await evals.RunsAsync("su1")).Select(r => r.Id).ToList());
        Assert.Equal(1, (await evals.RunsAsync("su1"))[1].Passed);
        Assert.Equal(["support"], (await evals.ListSuitesAsync()).Select(s => s.Name).ToList());
    }

    [Fact]
    public async Task Postmortems_VersionsIncrease_MemorySearchFindsByWords()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var pm = storage.Postmortems;
        var v1 = await pm.SaveAsync(new Postmortem { IncidentId = "inc-1", Title = "Refund bot leaked emails", Summary = "PII in outputs of the refund flow", UpdatedAt = T0 });
        var v2 = await pm.SaveAsync(v1 with { Summary = "Emails of other tenants appeared in refund answers", UpdatedAt = T0.AddHours(1) });
        await pm.SaveAsync(new Postmortem { IncidentId = "inc-2", Title = "Latency spike on search", UpdatedAt = T0 });
        await pm.IndexIncidentAsync("inc-3", "Cost blowup in agent loop", "runaway tool calls in the planner agent");

        Assert.Equal((1, 2), (v1.Version, v2.Version));
        Assert.Equal(2, (await pm.LatestAsync("inc-1"))!.Version);
        Assert.Equal([1, 2], (await pm.VersionsAsync("inc-1")).Select(p => p.Version).ToList());
        Assert.Equal(["inc-1", "inc-2"], (await pm.AllLatestAsync()).Select(p => p.IncidentId).Order().ToList());
        var hit = Assert.Single(await pm.SearchAsync("refund emails", 10));
        Assert.Equal(("postmortem", "inc-1"), (hit.Kind, hit.Id));
        Assert.True(hit.Rank > 0);
        Assert.Empty(await pm.SearchAsync("refund latency", 10));
        Assert.Equal(["inc-1", "inc-2", "inc-3"], (await pm.SearchAsync("refund latency agent", 10, anyTerm: true)).Select(h => h.Id).Order().ToList());
        Assert.Empty(await pm.SearchAsync("the of", 10));
    }

    [Fact]
    public async Task Recurrences_CountedFromTimelineWithinWindow()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.Incidents.ApplyAsync([new Quell.Incidents.IncidentChange(IncidentStoreContractTests.NewIncident("inc-r"), true, [
            new Quell.Response.TimelineEntry("inc-r", T0, "recurrence", "quell", "again"),
            new Quell.Response.TimelineEntry("inc-r", T0.AddDays(2), "recurrence", "quell", "again"),
            new Quell.Response.TimelineEntry("inc-r", T0, "note", "ana", "n"),
        ], [])]);

        Assert.Equal(1, await storage.Postmortems.RecurrencesAsync(T0.AddMinutes(-1), T0.AddDays(1)));
        Assert.Equal(2, await storage.Postmortems.RecurrencesAsync(T0, T0.AddDays(2)));
    }

    [Fact]
    public async Task ApiKeys_InsertFindRevoke()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var keys = storage.ApiKeys;
        Assert.False(keys.AnyActive());
        keys.Insert(new ApiKey { Id = "k1", Name = "ingest", Prefix = "qk_ab", Hash = "h1", Scopes = ["ingest", "read"], Tenant = "acme", ReadTenants = ["acme", "globex"], CreatedAt = T0, CreatedBy = "admin" });
        keys.Insert(new ApiKey { Id = "k2", Name = "ops", Prefix = "qk_cd", Hash = "h2", Scopes = ["admin"], CreatedAt = T0.AddMinutes(1) });

        var k1 = keys.FindByHash("h1")!;
        Assert.Equal(["ingest", "read"], k1.Scopes);
        Assert.Equal(["acme", "globex"], k1.ReadTenants);
        Assert.Equal(("acme", T0, "admin"), (k1.Tenant, k1.CreatedAt, k1.CreatedBy));
        Assert.True(keys.ActiveNameExists("ingest"));
        Assert.True(keys.Revoke("k1", T0.AddHours(1), "admin"));
        Assert.False(keys.Revoke("k1", T0.AddHours(2), "admin"));
        Assert.False(keys.ActiveNameExists("ingest"));
        Assert.Equal(T0.AddHours(1), keys.FindById("k1")!.RevokedAt);
        Assert.Equal(["k1", "k2"], keys.List().Select(k => k.Id).ToList());
        Assert.True(keys.AnyActive());
        Assert.Null(keys.FindByHash("nope"));
    }

    [Fact]
    public async Task Audit_AppendedInBatches_QueriedNewestFirstByActorAndTime()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.Audit.AppendAsync([
            new AuditEntry { At = T0, Actor = "ana", Method = "POST", Path = "/api/v1/incidents/x/ack", Status = 200, KeyId = "k1", Route = "/api/v1/incidents/{id}/ack", RemoteAddress = "10.0.0.1", UserAgent = "curl" },
            new AuditEntry { At = T0.AddMinutes(1), Actor = "bo", Method = "DELETE", Path = "/api/v1/keys/k1", Status = 204 },
        ]);
        await storage.Audit.AppendAsync([new AuditEntry { At = T0.AddMinutes(2), Actor = "ana", Method = "POST", Path = "/api/v1/mitigations", Status = 201 }]);

        var ana = await storage.Audit.QueryAsync("ana", null, 10);
        Assert.Equal(["/api/v1/mitigations", "/api/v1/incidents/x/ack"], ana.Select(e => e.Path).ToList());
        Assert.Equal(("k1", "curl", 200, T0), (ana[1].KeyId, ana[1].UserAgent, ana[1].Status, ana[1].At));
        Assert.True(ana[0].Seq > ana[1].Seq);
        Assert.Equal(2, (await storage.Audit.QueryAsync(null, T0.AddMinutes(1), 10)).Count);
        Assert.Single(await storage.Audit.QueryAsync(null, null, 1));
    }

    [Fact]
    public async Task IsolationProbes_AppendedAndReadNewestFirst()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.IsolationProbes.AppendAsync([
            new IsolationProbeResult { Tenant = "acme", Prompt = "show me globex docs", At = T0, Passed = true, StatusCode = 200, LatencyMs = 12.5 },
            new IsolationProbeResult { Tenant = "globex", Prompt = "p", At = T0.AddMinutes(1), Passed = false, LeakedFrom = ["acme", "initech"], Evidence = "QX-1", LatencyMs = 30 },
        ]);

        var latest = await storage.IsolationProbes.LatestAsync(10);
        Assert.Equal(["globex", "acme"], latest.Select(r => r.Tenant).ToList());
        Assert.Equal((false, "QX-1", (int?)null), (latest[0].Passed, latest[0].Evidence, latest[0].StatusCode));
        Assert.Equal(["acme", "initech"], latest[0].LeakedFrom);
        Assert.Equal((true, (int?)200, 12.5, T0), (latest[1].Passed, latest[1].StatusCode, latest[1].LatencyMs, latest[1].At));
        Assert.Single(await storage.IsolationProbes.LatestAsync(1));
    }

    [Fact]
    public async Task ConsoleFigures_BucketsAndPoints_ComputedNextToTheData()
    {
        using var storage = fixture.Create(TimeProvider.System);
        await storage.CallLog.AppendAsync([
            new CallRecord { Id = "a", Timestamp = T0, Feature = "chat", Model = "m", LatencyMs = 100, CostUsd = 1, InputTokens = 10, TraceId = "t1" },
            new CallRecord { Id = "b", Timestamp = T0.AddMinutes(1), Feature = "chat", Model = "m", LatencyMs = 300, CostUsd = 3, Status = CallStatus.Error, ErrorType = ErrorTypes.Timeout, InputTokens = 30, TraceId = "t1" },
            new CallRecord { Id = "c", Timestamp = T0.AddMinutes(61), Feature = "chat", Model = "m", LatencyMs = 50, InputTokens = 5 },
            new CallRecord { Id = "d", Timestamp = T0, Feature = "search", Model = "m", LatencyMs = 999 },
        ]);
        await storage.QualityLog.AppendFeedbackAsync([new FeedbackRecord { CallId = "a", Timestamp = T0, ThumbsUp = false }, new FeedbackRecord { CallId = "b", Timestamp = T0, Score = 0.9 }]);
        await storage.QualityLog.AppendEvalsAsync([new EvalResult { Suite = "s", CaseId = "x", Passed = true, Feature = "chat", Model = "m", Timestamp = T0 }]);
        var figures = storage.ConsoleFigures;
        long from = T0.ToUnixTimeMilliseconds(), to = T0.AddHours(2).ToUnixTimeMilliseconds(), hour = 3_600_000;

        Assert.Equal(new Dictionary<long, double> { [0] = 2, [1] = 1 }, await figures.BucketsAsync(SeriesMetric.Calls, "chat", null, from, to, hour));
        Assert.Equal(new Dictionary<long, double> { [0] = 0.5, [1] = 0 }, await figures.BucketsAsync(SeriesMetric.ErrorRate, "chat", "m", from, to, hour));
        Assert.Equal(new Dictionary<long, double> { [0] = 2, [1] = 0 }, await figures.BucketsAsync(SeriesMetric.CostPerCall, "chat", null, from, to, hour));
        Assert.Equal(2, (await figures.BucketsAsync(SeriesMetric.CallsPerTrace, "chat", null, from, to, hour))[0]);
        Assert.Equal(20, (await figures.BucketsAsync(SeriesMetric.InputTokensPerCall, "chat", null, from, to, hour))[0]);
        Assert.Equal(0.5, (await figures.BucketsAsync(SeriesMetric.TimeoutRate, "chat", null, from, to, hour))[0]);
        Assert.Equal(2, (await figures.BucketsAsync(SeriesMetric.LatencyP95, null, null, from, to, hour)).Count);

        var points = new List<FigurePoint>();
        await foreach (var p in figures.CallsAsync("chat", null, from, to, traces: true))
        {
            points.Add(p);
        }

        var b = points.Single(p => p.LatencyMs == 300);
        Assert.Equal((true, true, 3.0, 30L, "t1", $"chat{SqliteConsoleFigures.KeySeparator}m"), (b.Error, b.Timeout, b.CostUsd!.Value, b.InputTokens, b.TraceId, b.Key));
        Assert.Equal(3, points.Count);
        var votes = new List<QualityPoint>();
        await foreach (var q in figures.QualityAsync(feedback: true, null, from, to))
        {
            votes.Add(q);
        }

        Assert.Equal([false, true], votes.OrderBy(v => v.Good).Select(v => v.Good).ToList());
        var passes = new List<QualityPoint>();
        await foreach (var q in figures.QualityAsync(feedback: false, "chat", from, to))
        {
            passes.Add(q);
        }

        Assert.True(Assert.Single(passes).Good);
    }

    [Fact]
    public async Task ConsoleOverview_FiguresPerFeatureModelAndBucket_EqualTheRowsTheyCover()
    {
        using var storage = fixture.Create(TimeProvider.System);
        var random = new Random(11);
        var calls = Enumerable.Range(0, 3_000).Select(i => new CallRecord
        {
            Id = $"ov{i}",
            Timestamp = T0.AddSeconds(random.Next(0, 6 * 3600)),
            Feature = i % 3 == 0 ? "search" : "chat",
            Model = i % 2 == 0 ? "m1" : (i % 7 == 0 ? null : "m2"),
            LatencyMs = i % 13 == 0 ? null : Math.Round(50 + (random.NextDouble() * random.NextDouble() * 4000), 1),
            Status = i % 17 == 0 ? CallStatus.Error : CallStatus.Ok,
            CostUsd = i % 5 == 0 ? null : random.Next(1, 1000) / 100_000.0,
        }).ToList();
        await storage.CallLog.AppendAsync(calls);
        var from = T0.ToUnixTimeMilliseconds();
        var to = T0.AddHours(6).ToUnixTimeMilliseconds();
        const long Step = 15 * 60_000;

        var cells = await storage.ConsoleFigures.OverviewAsync(from, to, Step);

        // Each group of rows, the whole range (bucket −1) and each 15-minute bucket, checked against the rows themselves.
        var expected = calls
            .SelectMany(c => new[] { (c, Bucket: -1L), (c, Bucket: (c.Timestamp.ToUnixTimeMilliseconds() - from) / Step) })
            .GroupBy(x => (x.c.Feature ?? string.Empty, x.c.Model ?? string.Empty, x.Bucket), x => x.c)
            .ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(expected.Count, cells.Count);
        foreach (var cell in cells)
        {
            var rows = expected[(cell.Feature, cell.Model, cell.Bucket)];
            var latencies = rows.Where(r => r.LatencyMs is not null).Select(r => r.LatencyMs!.Value).Order().ToList();
            Assert.Equal(rows.Count, cell.Calls);
            Assert.Equal(rows.Count(r => r.Status == CallStatus.Error), cell.Errors);
            Assert.Equal(rows.Sum(r => r.CostUsd ?? 0), cell.CostUsd, 9);
            if (latencies.Count == 0)
            {
                Assert.Null(cell.LatencyP99Ms);
            }
            else
            {
                Assert.Equal(ConsoleSeries.Quantile(latencies, 0.99), cell.LatencyP99Ms!.Value, 6);
            }
        }
    }
}

public sealed class SqliteStoreContractTests(SqliteStorageFixture fixture) : StoreContractTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class PostgresStoreContractTests(PostgresStorageFixture fixture) : StoreContractTests(fixture), IClassFixture<PostgresStorageFixture>;
