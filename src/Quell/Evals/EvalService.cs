using Quell.Configuration;
using Quell.Detection;
using Quell.Evals;
using Quell.Incidents;
using Quell.Response;
using Quell.Server.Incidents;
using Quell.Storage;

namespace Quell.Server.Evals;

/// <summary>Runs suites against targets, turns incidents into regression cases, and verifies fixes against them.</summary>
public sealed class EvalService(IEvalStore store, IQualityLog quality, ICallLog calls, IIncidentStore incidents, IncidentService incidentService, IAlertStore? alerts, EvalGrader grader, EvalTargetClient client, QuellConfig config, TimeProvider time)
{
    public const string VerificationKind = "verification";
    public const string RegressionKind = "regression_cases";

    public IEvalStore Store => store;

    /// <summary>Whether this URL is that of a target named in quell.yaml.</summary>
    public bool IsConfiguredTarget(string url) => config.Evals.Targets.Values.Any(t => string.Equals(t.Url, url, StringComparison.Ordinal));

    /// <summary>A configured target by name, or an ad-hoc one for a URL; null when neither.</summary>
    public EvalTargetConfig? Target(string nameOrUrl, string? kind = null, string? model = null, string? template = null, string? responsePath = null)
    {
        var baseTarget = config.Evals.Targets.TryGetValue(nameOrUrl, out var named) ? named
            : Uri.TryCreate(nameOrUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? new EvalTargetConfig { Url = nameOrUrl } : null;
        return baseTarget is null ? null : baseTarget with
        {
            Kind = kind ?? baseTarget.Kind,
            Model = model ?? baseTarget.Model,
            RequestTemplate = template ?? baseTarget.RequestTemplate,
            ResponsePath = responsePath ?? baseTarget.ResponsePath,
        };
    }

    /// <summary>Runs cases of a suite against a target; each result is appended to the eval results the quality detector reads.</summary>
    public async Task<EvalRun> RunAsync(EvalSuite suite, IReadOnlyList<EvalCase> cases, EvalTargetConfig target, string? incidentId = null, CancellationToken ct = default)
    {
        cases = [.. cases.Where(c => c.Retired is null)];
        var started = time.GetUtcNow();
        var outcomes = new List<EvalCaseOutcome>();
        var results = new List<EvalResult>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(config.Evals.RunDeadline);
        foreach (var c in cases)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            timeout.CancelAfter(config.Evals.CaseTimeout);
            (string? Output, string? Error) answer;
            var asked = time.GetTimestamp();
            try
            {
                answer = deadline.IsCancellationRequested
                    ? (null, $"not run: the run's {config.Evals.RunDeadline.TotalSeconds:0}-second deadline passed")
                    : await client.AskAsync(target, c.SystemPrompt, c.Messages, c.Input, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                answer = (null, deadline.IsCancellationRequested
                    ? $"not finished: the run's {config.Evals.RunDeadline.TotalSeconds:0}-second deadline passed"
                    : $"no answer within {config.Evals.CaseTimeout.TotalSeconds:0} seconds");
            }

            var (output, error) = answer;
            var latency = time.GetElapsedTime(asked).TotalMilliseconds;
            var grade = output is null ? EvalGrade.Fail($"no answer: {error}", null) : await grader.GradeAsync(c, output, latency, ct).ConfigureAwait(false);
            outcomes.Add(new EvalCaseOutcome(c.Id, grade.Passed, grade.Score, grade.Reason, output is null ? null : Clip(output), error));
            results.Add(new EvalResult
            {
                Suite = suite.Name,
                CaseId = c.Id,
                Passed = grade.Passed,
                Score = grade.Score,
                Feature = c.Feature ?? suite.Feature,
                Model = target.Model,
                ModelVersion = target.ModelVersion,
                PromptVersion = target.PromptVersion,
                Timestamp = time.GetUtcNow(),
            });
        }

        if (results.Count > 0)
        {
            await quality.AppendEvalsAsync(results, ct).ConfigureAwait(false);
        }

        var run = new EvalRun
        {
            Id = $"run-{Guid.NewGuid():N}"[..16],
            SuiteId = suite.Id,
            IncidentId = incidentId,
            Target = target.Url,
            StartedAt = started,
            FinishedAt = time.GetUtcNow(),
            Outcomes = outcomes,
        };
        await store.SaveRunAsync(run, ct).ConfigureAwait(false);
        return run;
    }

    /// <summary>The suite regression cases join; created on first use.</summary>
    public async Task<EvalSuite> RegressionSuiteAsync(CancellationToken ct = default)
    {
        var name = config.Evals.RegressionSuite;
        if (await store.GetSuiteAsync(name, ct).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var suite = new EvalSuite { Id = name, Name = name, Description = "Regression cases from incidents; kept forever.", CreatedAt = time.GetUtcNow() };
        await store.SaveSuiteAsync(suite, ct).ConfigureAwait(false);
        return suite;
    }

    /// <summary>
    /// A latency incident's budget per answer: the feature's p95 SLO when one is set, else the healthy baseline of the
    /// incident's latency alert times the recovery ratio its detector resolves at (what no longer counts as degraded).
    /// </summary>
    private async Task<double?> LatencyBudgetAsync(Incident incident, CancellationToken ct)
    {
        if (incident.Category != SignalCategories.Latency)
        {
            return null;
        }

        var rules = config.Detection;
        if ((rules.For(incident.Feature).SloP95Ms ?? rules.Latency.SloP95Ms) is { } slo)
        {
            return slo;
        }

        foreach (var a in incident.Alerts.Where(a => a.Signal is Alerts.AlertSignals.LatencyP95 or Alerts.AlertSignals.LatencyP99 or Alerts.AlertSignals.TtftP95))
        {
            if (alerts is not null && await alerts.GetAsync(a.AlertId, ct).ConfigureAwait(false) is { Baseline: > 0 } alert)
            {
                var rule = a.Signal switch
                {
                    Alerts.AlertSignals.LatencyP99 => rules.Latency.P99,
                    Alerts.AlertSignals.TtftP95 => rules.Latency.TtftP95,
                    _ => rules.Latency.P95,
                };
                return alert.Baseline * rule.ResolveRatio;
            }
        }

        return null;
    }

    /// <summary>Adds the incident's representative calls (and any extra call ids) to the eval set as regression cases; null when there is no such incident.</summary>
    public async Task<RegressionCasesResponse?> AddRegressionCasesAsync(string incidentId, IReadOnlyList<string> extraCallIds, string? reference, string? rubric, string by, CancellationToken ct = default)
    {
        var incident = await incidents.GetAsync(incidentId, ct).ConfigureAwait(false);
        if (incident is null)
        {
            return null;
        }

        var ids = incident.ExampleCallIds.Concat(extraCallIds).Distinct(StringComparer.Ordinal).ToList();
        var found = new List<Calls.CallRecord>();
        foreach (var id in ids)
        {
            if (await calls.GetAsync(id, ct).ConfigureAwait(false) is { } logged)
            {
                found.Add(logged.Call);
            }
        }

        var options = new RegressionOptions(config.Evals.Judge is { Url.Length: > 0 }, await LatencyBudgetAsync(incident, ct).ConfigureAwait(false));
        if (RegressionCases.Unsupported(incident, reference, rubric, options) is { } unsupported)
        {
            return new RegressionCasesResponse(incidentId, config.Evals.RegressionSuite, 0, 0, await store.CasesForIncidentAsync(incidentId, ct).ConfigureAwait(false)) { Problem = unsupported };
        }

        var suite = await RegressionSuiteAsync(ct).ConfigureAwait(false);
        var cases = RegressionCases.From(incident, found, suite.Id, time.GetUtcNow(), reference, rubric, options);
        var added = await store.SaveCasesAsync(cases, ct).ConfigureAwait(false);
        var all = await store.CasesForIncidentAsync(incidentId, ct).ConfigureAwait(false);
        if (added > 0)
        {
            var kinds = string.Join(", ", cases.Select(c => c.Grader.Kind).Distinct());
            await incidentService.ExecuteAsync(incidentId, (_, i) => IncidentRecorder.Entry(i, time.GetUtcNow(), RegressionKind, by, $"{added} regression case(s) added to eval suite {suite.Name} ({kinds}); the fix must pass them", new Dictionary<string, string> { ["suite"] = suite.Id, ["added"] = added.ToString(System.Globalization.CultureInfo.InvariantCulture) }), ct).ConfigureAwait(false);
        }

        return new RegressionCasesResponse(incidentId, suite.Id, added, ids.Count - added, all);
    }

    /// <summary>Runs the incident's regression cases against the fixed version and records the outcome on its timeline; null when there is no such incident.</summary>
    public async Task<(EvalRun? Run, VerificationStatus Status)?> VerifyAsync(string incidentId, EvalTargetConfig target, string by, CancellationToken ct = default)
    {
        if (await incidents.GetAsync(incidentId, ct).ConfigureAwait(false) is null)
        {
            return null;
        }

        var cases = await store.CasesForIncidentAsync(incidentId, ct).ConfigureAwait(false);
        EvalRun? last = null;
        foreach (var group in cases.GroupBy(c => c.SuiteId))
        {
            var suite = await store.GetSuiteAsync(group.Key, ct).ConfigureAwait(false) ?? await RegressionSuiteAsync(ct).ConfigureAwait(false);
            last = await RunAsync(suite, group.ToList(), target, incidentId, ct).ConfigureAwait(false);
        }

        var status = await StatusAsync(incidentId, ct).ConfigureAwait(false);
        var outcome = status.Verified ? "passed" : "failed";
        var text = cases.Count == 0
            ? $"verification against {target.Url}: the incident has no regression cases"
            : $"verification against {target.Url} {outcome}: {status.Passed}/{status.Cases} regression cases pass";
        await incidentService.ExecuteAsync(incidentId, (_, i) => IncidentRecorder.Entry(i, time.GetUtcNow(), VerificationKind, by, text, new Dictionary<string, string> { ["outcome"] = outcome, ["target"] = target.Url }), ct).ConfigureAwait(false);
        return (last, status);
    }

    /// <summary>Retires a case; a regression case's retirement goes on its incident's timeline. Null when done, else why not.</summary>
    public async Task<string?> RetireCaseAsync(string suiteId, string caseId, CaseRetirement retirement, CancellationToken ct = default)
    {
        var (retired, why) = await store.RetireCaseAsync(suiteId, caseId, retirement, ct).ConfigureAwait(false);
        if (retired?.IncidentId is { } incidentId)
        {
            await incidentService.ExecuteAsync(incidentId, (_, i) => IncidentRecorder.Entry(i, time.GetUtcNow(), RegressionKind, retirement.By, $"regression case {caseId} retired by {retirement.By}: {retirement.Reason}", new Dictionary<string, string> { ["case"] = caseId, ["retired"] = "true" }), ct).ConfigureAwait(false);
        }

        return why;
    }

    /// <summary>Lets the incident leave fixing without passing cases; the reason goes on the timeline. False when there is no such incident.</summary>
    public async Task<bool> OverrideAsync(string incidentId, string reason, string by, CancellationToken ct = default)
    {
        var result = await incidentService.ExecuteAsync(incidentId, (_, i) => IncidentRecorder.Entry(i, time.GetUtcNow(), VerificationKind, by, $"verification overridden by {by}: {reason.Trim()}", new Dictionary<string, string> { ["outcome"] = "override", ["reason"] = reason.Trim() }), ct).ConfigureAwait(false);
        return result is not null;
    }

    /// <summary>The incident's regression cases against their latest results; an override on the timeline verifies too. Never goes through the incident service.</summary>
    public async Task<VerificationStatus> StatusAsync(string incidentId, CancellationToken ct = default)
    {
        // Retired cases no longer apply: a fix is judged on the ones that do.
        var cases = (await store.CasesForIncidentAsync(incidentId, ct).ConfigureAwait(false)).Where(c => c.Retired is null).ToList();
        var timeline = await incidents.TimelineAsync(incidentId, ct).ConfigureAwait(false);
        var latest = timeline.LastOrDefault(e => e.Kind == VerificationKind);
        var overridden = latest?.Data is { } d && d.GetValueOrDefault("outcome") == "override" ? d.GetValueOrDefault("reason") ?? latest.Message : null;
        var passed = 0;
        var failed = 0;
        foreach (var group in cases.GroupBy(c => c.SuiteId))
        {
            var suite = await store.GetSuiteAsync(group.Key, ct).ConfigureAwait(false);
            var results = await store.LatestResultsAsync(suite?.Name ?? group.Key, group.ToList(), ct).ConfigureAwait(false);
            passed += results.Values.Count(v => v);
            failed += results.Values.Count(v => !v);
        }

        var pending = cases.Count - passed - failed;
        var verified = overridden is not null || (cases.Count > 0 && passed == cases.Count);
        var reason = overridden is not null ? $"overridden: {overridden}"
            : cases.Count == 0 ? "the incident has no regression cases"
            : verified ? $"all {cases.Count} regression cases pass"
            : $"{passed} of {cases.Count} regression cases pass ({failed} failing, {pending} without a result since they were added)";
        return new VerificationStatus(incidentId, cases.Count, passed, failed, pending, verified, overridden, reason);
    }

    private static string Clip(string s) => s.Length <= 2000 ? s : s[..2000];
}

/// <summary>Keeps an incident in fixing until its regression cases pass on the fixed version, or a responder overrides with a reason.</summary>
public sealed class VerificationGate(EvalService evals) : IIncidentTransitionGate
{
    public async Task<CommandRefusal?> CheckAsync(Incident before, Incident after, CancellationToken cancellationToken = default)
    {
        if (after.State != IncidentState.Monitoring || !before.State.IsActive())
        {
            return null;
        }

        var status = await evals.StatusAsync(before.Id, cancellationToken).ConfigureAwait(false);
        if (status.Verified || (status.Cases == 0 && before.State != IncidentState.Fixing))
        {
            return null;
        }

        return new CommandRefusal(
            "verification",
            $"incident {before.Id} cannot leave {before.State.Name()} unverified: {status.Reason}. Run its regression cases against the fix (POST /api/v1/incidents/{before.Id}/verify), post passing eval results for them, or override with a reason (POST /api/v1/incidents/{before.Id}/verification/override)",
            Conflict: true);
    }
}
