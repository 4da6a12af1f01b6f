using Quell.Configuration;
using Quell.Evals;
using Quell.Incidents;
using Quell.Investigation;
using Quell.Mitigations;
using Quell.Postmortems;
using Quell.Response;
using Quell.Runbooks;
using Quell.Server.Evals;
using Quell.Server.Incidents;
using Quell.Server.Postmortems;
using Quell.Simulation;
using Quell.Storage;

namespace Quell.Demo;

/// <summary>
/// The simulated team after the page: once a scenario's fix ships, its incident moves to fixing, its calls become
/// regression cases, the cases are run against the fixed app (the verification gate), the incident goes to
/// monitoring, and the drafted post-mortem is written to the demo's output folder.
/// </summary>
public sealed class DemoTeam(IncidentService incidents, EvalService evals, PostmortemService postmortems, IReadOnlyList<IScenario> scenarios, Uri fixedApp, string outputDirectory, IDemoProgress progress)
{
    private readonly Dictionary<string, FixOutcome> _fixed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MitigationOutcome> _mitigated = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset At, int Runs)> _investigated = new(StringComparer.Ordinal);

    /// <summary>How long the on-call waits before running a runbook again that proposed nothing, and how often at most.</summary>
    private static readonly TimeSpan ReinvestigateAfter = TimeSpan.FromMinutes(5);
    private const int MaxInvestigations = 12;

    /// <summary>The playbook the team works with: runbooks, change correlation, the control plane, the obedient app.</summary>
    public sealed record Playbook(RunbookRunner Runbooks, IInvestigationSource Investigation, MitigationControlPlane ControlPlane, IAlertStore Alerts, DemoObedientApp App);

    /// <summary>
    /// How one scenario's bleeding was stopped (keyed by scenario name): the runbook's proposals, when the on-call
    /// approved them, and how many calls the scenario had damaged when the application obeyed them.
    /// </summary>
    public sealed record MitigationOutcome(string IncidentId, IReadOnlyList<string> MitigationIds, string? Kind, string? Scope, DateTimeOffset? ProposedAt, DateTimeOffset? AppliedAt, bool Auto, string? TopChange, string? TopChangeSentence, int RunbookFindings, string? Runbook)
    {
        /// <summary>The scenario's damaged calls when the application first obeyed the mitigation; later ones got past it.</summary>
        public int? HitsWhenApplied { get; init; }

        /// <summary>What the runbook expected approving its proposals to do.</summary>
        public IReadOnlyList<string> ExpectedEffects { get; init; } = [];

        /// <summary>How often the on-call put the mitigation in place again before it expired, until the fix shipped.</summary>
        public int Renewals { get; init; }
    }

    public Playbook? Tools { get; set; }

    public IReadOnlyDictionary<string, MitigationOutcome> Mitigated => _mitigated;

    /// <summary>What happened to one scenario's incident after its fix (keyed by scenario name).</summary>
    public sealed record FixOutcome(string IncidentId, int RegressionCases, bool Verified, string? PostmortemPath, IReadOnlyList<string> Similar);

    public IReadOnlyDictionary<string, FixOutcome> Fixed => _fixed;

    public async Task ActAsync(DateTimeOffset now, CancellationToken ct)
    {
        if (Tools is { } tools)
        {
            await MitigateAsync(tools, now, ct).ConfigureAwait(false);
            await RenewAsync(tools, now, ct).ConfigureAwait(false);
        }

        foreach (var incident in await incidents.ListAsync(new IncidentQuery(Limit: 1000), ct).ConfigureAwait(false))
        {
            if (incident.State is not (IncidentState.Acknowledged or IncidentState.Mitigating or IncidentState.Investigating))
            {
                continue;
            }

            var scenario = ScenarioFor(incident);
            if (scenario?.End is not { } fixedAt || now < fixedAt || _fixed.ContainsKey(scenario.Name))
            {
                continue;
            }

            _fixed[scenario.Name] = await FixAsync(incident, scenario, now, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The scenario an incident belongs to: the latest one of its category and feature that had begun when it last fired.</summary>
    public IScenario? ScenarioFor(Incident incident) => scenarios
        .Where(s => string.Equals(s.Category, incident.Category, StringComparison.OrdinalIgnoreCase)
            && (incident.Feature is null || incident.Feature == s.Feature)
            && incident.LastSignalAt >= s.Onset.AddMinutes(-5)
            && incident.LastSignalAt <= s.Onset + s.DetectionBudget + (s.End - s.Onset ?? TimeSpan.Zero))
        .MaxBy(s => s.Onset);

    private async Task MitigateAsync(Playbook tools, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var incident in await incidents.ListAsync(new IncidentQuery(Limit: 1000), ct).ConfigureAwait(false))
        {
            if (incident.State is not (IncidentState.Acknowledged or IncidentState.Mitigating) || ScenarioFor(incident) is not { } scenario)
            {
                continue;
            }

            // A runbook that found nothing to propose (an alert that fired before the evidence had built up) is run
            // again every few minutes while the incident is unmitigated, as a responder would look again.
            if (!_mitigated.TryGetValue(scenario.Name, out var outcome)
                || (outcome is { MitigationIds.Count: 0, AppliedAt: null } && _investigated.TryGetValue(scenario.Name, out var last)
                    && now - last.At >= ReinvestigateAfter && last.Runs < MaxInvestigations))
            {
                outcome = await InvestigateAndProposeAsync(tools, incident, scenario, now, ct).ConfigureAwait(false);
                _mitigated[scenario.Name] = outcome;
                _investigated[scenario.Name] = (now, _investigated.TryGetValue(scenario.Name, out var before) ? before.Runs + 1 : 1);
            }

            // The runbook's proposals wait for the on-call's approval, given a few simulated minutes after they appeared;
            // the on-call approves every one of them, as proposed.
            if (outcome is { AppliedAt: null, MitigationIds.Count: > 0, ProposedAt: { } proposed } && now >= proposed.AddMinutes(5))
            {
                var approver = incident.Pages.Count > 0 ? incident.Pages[^1].User : "on-call";
                var applied = 0;
                foreach (var id in outcome.MitigationIds)
                {
                    var state = tools.ControlPlane.Open.FirstOrDefault(m => m.Id == id)?.State;
                    if (state == MitigationState.Active || (await tools.ControlPlane.ApproveAsync(id, approver, ct).ConfigureAwait(false)).Succeeded)
                    {
                        applied++;
                    }
                }

                if (applied > 0)
                {
                    outcome = outcome with { AppliedAt = now };
                    outcome = await AppliedAsync(tools, incident, scenario, outcome, approver, now, ct).ConfigureAwait(false);
                    _mitigated[scenario.Name] = outcome;
                }
            }
        }
    }

    /// <summary>How long before its expiry the on-call renews a stop-gap whose fix has not shipped yet, and for how long.</summary>
    private static readonly TimeSpan RenewAhead = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan RenewFor = TimeSpan.FromHours(12);

    /// <summary>
    /// Mitigations expire (4 hours by default: triage, not fixes). Until the scenario's fix ships, the on-call puts the
    /// same mitigation in place again before the old one lapses, so the application never runs unprotected.
    /// </summary>
    private async Task RenewAsync(Playbook tools, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var (name, outcome) in _mitigated.ToList())
        {
            var scenario = scenarios.First(s => s.Name == name);
            if (outcome.AppliedAt is null || scenario.End is not { } end || now >= end || _fixed.ContainsKey(name))
            {
                continue;
            }

            var ids = new List<string>(outcome.MitigationIds.Count);
            var renewed = false;
            foreach (var id in outcome.MitigationIds)
            {
                var m = tools.ControlPlane.Open.FirstOrDefault(x => x.Id == id);
                if (m is not { State: MitigationState.Active, ExpiresAt: { } expires } || expires - now > RenewAhead)
                {
                    ids.Add(id);
                    continue;
                }

                var by = m.ApprovedBy ?? "on-call";
                var again = await tools.ControlPlane.CreateAsync(new MitigationRequest
                {
                    Kind = m.Kind,
                    Scope = m.Scope,
                    Parameters = m.Parameters,
                    Reason = $"renewed {m.Id} until the fix ships: {m.Reason}",
                    IncidentId = m.IncidentId,
                    AlertId = m.AlertId,
                    CreatedBy = by,
                    ExpiresIn = RenewFor,
                    Mode = MitigationMode.Apply,
                    ExpectedEffect = m.ExpectedEffect,
                }, ct).ConfigureAwait(false);
                if (again.Mitigation is not { } fresh)
                {
                    ids.Add(id);
                    continue;
                }

                // The new one is live before the old one goes, so no call slips between them.
                await tools.App.SyncAsync(tools.ControlPlane.Current.Version, ct).ConfigureAwait(false);
                await tools.ControlPlane.RevokeAsync(m.Id, by, $"renewed as {fresh.Id}", ct).ConfigureAwait(false);
                ids.Add(fresh.Id);
                renewed = true;
                progress.Note(now, $"incident {m.IncidentId}: {by} renewed {m.Describe()} as {fresh.Id} until the fix ships");
            }

            if (renewed)
            {
                await tools.App.SyncAsync(tools.ControlPlane.Current.Version, ct).ConfigureAwait(false);
                _mitigated[name] = outcome with { MitigationIds = ids, Renewals = outcome.Renewals + 1 };
            }
        }
    }

    private async Task<MitigationOutcome> InvestigateAndProposeAsync(Playbook tools, Incident incident, IScenario scenario, DateTimeOffset now, CancellationToken ct)
    {
        // The on-call investigates what paged them now: on a reopened incident that is the latest firing, not the one
        // that opened it days ago (whose onset would put every before/after window of the runbook on the wrong day).
        var paging = incident.Alerts.Where(a => a.FirstAt >= now.AddHours(-6)).MinBy(a => a.FirstAt) ?? incident.Alerts.MaxBy(a => a.LastAt);
        var alertId = paging?.AlertId;
        var alert = alertId is null ? null : await tools.Alerts.GetAsync(alertId, ct).ConfigureAwait(false);
        var subject = alert is null
            ? new InvestigationSubject(incident.Category, string.Empty, incident.Feature, incident.OnsetAt ?? incident.DetectedAt) { IncidentId = incident.Id }
            : InvestigationSubject.From(alert) with { IncidentId = incident.Id };

        var run = await tools.Runbooks.RunAsync(subject, cancellationToken: ct).ConfigureAwait(false);
        var ranked = await tools.Investigation.CorrelateAsync(subject, ct).ConfigureAwait(false);
        var top = ranked.FirstOrDefault(c => c.Kind == "change" && ChangeCorrelator.Explains(c)) ?? ranked.FirstOrDefault(ChangeCorrelator.Explains);
        var topChange = top?.Change?.Id ?? (top is null ? null : $"{top.Dimension}={top.Value}");
        progress.Note(now, top is not null
            ? $"incident {incident.Id}: investigation ranks first {topChange}: {top.Sentence}"
            : $"incident {incident.Id}: investigation: nothing on record explains it");

        // The runbook proposed its mitigations (each with its expected effect) while it ran; the team takes them as they are.
        var proposals = run?.Findings.Where(f => f.MitigationId is not null && f.Status == FindingStatus.Proposed).ToList() ?? [];
        var open = proposals.Select(f => tools.ControlPlane.Open.FirstOrDefault(m => m.Id == f.MitigationId)).OfType<Mitigation>().ToList();
        foreach (var f in run?.Findings.Where(f => f.Kind == RunbookStepKind.Mitigation && f.MitigationId is null && f.Status != FindingStatus.Skipped) ?? [])
        {
            progress.Note(now, $"incident {incident.Id}: runbook {run!.Runbook} step {f.StepId}: {f.Summary}");
        }

        if (open.Count == 0)
        {
            progress.Note(now, $"incident {incident.Id}: runbook {run?.Runbook ?? "(none)"} proposed no mitigation");
            return new MitigationOutcome(incident.Id, [], null, null, null, null, false, topChange, top?.Sentence, run?.Findings.Count ?? 0, run?.Runbook);
        }

        foreach (var m in open)
        {
            progress.Note(now, $"incident {incident.Id}: runbook {run!.Runbook} proposed {m.Describe()}{(m.ExpectedEffect is { } e ? "; expected: " + e : string.Empty)}");
        }

        return new MitigationOutcome(incident.Id, open.Select(m => m.Id).ToList(), string.Join("+", open.Select(m => m.Kind.ToString()).Distinct()), string.Join("; ", open.Select(m => m.Describe())), now, null, false, topChange, top?.Sentence, run!.Findings.Count, run.Runbook)
        {
            ExpectedEffects = open.Select(m => m.ExpectedEffect).OfType<string>().ToList(),
        };
    }

    private async Task<MitigationOutcome> AppliedAsync(Playbook tools, Incident incident, IScenario scenario, MitigationOutcome outcome, string by, DateTimeOffset now, CancellationToken ct)
    {
        if (incident.State == IncidentState.Acknowledged)
        {
            await incidents.ExecuteAsync(incident.Id, (m, i) => m.Transition(i, IncidentState.Mitigating, by, $"mitigation applied: {outcome.Scope}"), ct).ConfigureAwait(false);
        }

        // The application follows the control plane before simulated time moves on; from here on every call it makes
        // asks the new control plane, so any damage the scenario still does got past the mitigation.
        await tools.App.SyncAsync(tools.ControlPlane.Current.Version, ct).ConfigureAwait(false);
        progress.Note(now, $"incident {incident.Id}: mitigation active ({outcome.Scope}); the app obeys through Quell.Client");
        return outcome with { HitsWhenApplied = (scenario as ScenarioBase)?.Hits.Count };
    }

    private async Task<FixOutcome> FixAsync(Incident incident, IScenario scenario, DateTimeOffset now, CancellationToken ct)
    {
        var owner = incident.Assignee ?? (incident.Pages.Count > 0 ? incident.Pages[0].User : "on-call");
        await incidents.ExecuteAsync(incident.Id, (m, i) => m.AddNote(i, $"root cause: {scenario.Description}; fix shipped at {scenario.End:yyyy-MM-dd HH:mm}", owner), ct).ConfigureAwait(false);
        await incidents.ExecuteAsync(incident.Id, (m, i) => m.Transition(i, IncidentState.Fixing, owner, "fix shipped"), ct).ConfigureAwait(false);
        if (Tools is { } tools && _mitigated.TryGetValue(scenario.Name, out var mitigation) && mitigation.MitigationIds.Count > 0)
        {
            // The fix makes the stop-gap unnecessary.
            foreach (var mitigationId in mitigation.MitigationIds)
            {
                await tools.ControlPlane.RevokeAsync(mitigationId, owner, "fix shipped", ct).ConfigureAwait(false);
            }

            await tools.App.SyncAsync(tools.ControlPlane.Current.Version, ct).ConfigureAwait(false);
        }


        var cases = await evals.AddRegressionCasesAsync(incident.Id, [], DemoApplication.VerifiedAnswer, null, owner, ct).ConfigureAwait(false);
        var verification = await evals.VerifyAsync(incident.Id, new EvalTargetConfig { Url = fixedApp.ToString(), Kind = "openai", Model = "demo-app" }, owner, ct).ConfigureAwait(false);
        var verified = verification?.Status.Verified ?? false;
        if (!verified)
        {
            await evals.OverrideAsync(incident.Id, "regression cases not runnable against the simulated app; verified by the simulated team", owner, ct).ConfigureAwait(false);
        }

        await incidents.ExecuteAsync(incident.Id, (m, i) => m.Resolve(i, owner, "verified against the regression cases; monitoring for recurrence"), ct).ConfigureAwait(false);
        var postmortem = await postmortems.GetOrDraftAsync(incident.Id, ct).ConfigureAwait(false);
        string? path = null;
        if (postmortem is not null)
        {
            Directory.CreateDirectory(Path.Combine(outputDirectory, "postmortems"));
            path = Path.Combine(outputDirectory, "postmortems", $"{incident.Id}.md");
            await File.WriteAllTextAsync(path, PostmortemMarkdown.Render(postmortem), ct).ConfigureAwait(false);
        }

        var current = await incidents.GetAsync(incident.Id, ct).ConfigureAwait(false);
        progress.Note(now, $"incident {incident.Id} ({scenario.Name}): {cases?.Added ?? 0} regression cases, verification {(verified ? "passed" : "overridden")}, post-mortem {path}");
        return new FixOutcome(incident.Id, cases?.Added ?? 0, verified, path, current?.Related ?? []);
    }
}
