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

    /// <summary>The playbook the team works with: runbooks, change correlation, the control plane, the obedient app.</summary>
    public sealed record Playbook(RunbookRunner Runbooks, IInvestigationSource Investigation, MitigationControlPlane ControlPlane, IAlertStore Alerts, DemoObedientApp App);

    /// <summary>How one scenario's bleeding was stopped (keyed by scenario name).</summary>
    public sealed record MitigationOutcome(string IncidentId, string? MitigationId, string? Kind, string? Scope, DateTimeOffset? ProposedAt, DateTimeOffset? AppliedAt, bool Auto, string? TopChange, string? TopChangeSentence, int RunbookFindings, string? Runbook);

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

            if (!_mitigated.TryGetValue(scenario.Name, out var outcome))
            {
                outcome = await InvestigateAndProposeAsync(tools, incident, scenario, now, ct).ConfigureAwait(false);
                _mitigated[scenario.Name] = outcome;
            }

            // A proposal waits for the on-call's approval, given a few simulated minutes after it appeared.
            if (outcome is { AppliedAt: null, MitigationId: { } id, ProposedAt: { } proposed } && now >= proposed.AddMinutes(5))
            {
                var approver = incident.Pages.Count > 0 ? incident.Pages[^1].User : "on-call";
                var approved = await tools.ControlPlane.ApproveAsync(id, approver, ct).ConfigureAwait(false);
                if (approved.Succeeded)
                {
                    outcome = outcome with { AppliedAt = now };
                    _mitigated[scenario.Name] = outcome;
                    await AppliedAsync(tools, incident, outcome, approver, now, ct).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task<MitigationOutcome> InvestigateAndProposeAsync(Playbook tools, Incident incident, IScenario scenario, DateTimeOffset now, CancellationToken ct)
    {
        var alertId = incident.Alerts.Count > 0 ? incident.Alerts[0].AlertId : null;
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

        var plan = DemoMitigations.For(scenario, incident.Id, alert?.Labels ?? incident.Labels);
        if (plan is not { } p)
        {
            return new MitigationOutcome(incident.Id, null, null, null, null, null, false, topChange, top?.Sentence, run?.Findings.Count ?? 0, run?.Runbook);
        }

        var created = await tools.ControlPlane.CreateAsync(p.Request with { Mode = p.Auto ? MitigationMode.Apply : MitigationMode.Propose, AlertId = alertId }, ct).ConfigureAwait(false);
        var m = created.Mitigation;
        var outcome = new MitigationOutcome(incident.Id, m?.Id, p.Request.Kind?.ToString(), m?.Describe(), now, p.Auto && m is not null ? now : null, p.Auto, topChange, top?.Sentence, run?.Findings.Count ?? 0, run?.Runbook);
        progress.Note(now, $"incident {incident.Id}: {(p.Auto ? "auto-applied" : "proposed")} {m?.Describe() ?? "(refused: " + created.Failure + ")"}");
        if (p.Auto && m is not null)
        {
            await AppliedAsync(tools, incident, outcome, "quell-policy", now, ct).ConfigureAwait(false);
        }

        return outcome;
    }

    private async Task AppliedAsync(Playbook tools, Incident incident, MitigationOutcome outcome, string by, DateTimeOffset now, CancellationToken ct)
    {
        if (incident.State == IncidentState.Acknowledged)
        {
            await incidents.ExecuteAsync(incident.Id, (m, i) => m.Transition(i, IncidentState.Mitigating, by, $"mitigation applied: {outcome.Scope}"), ct).ConfigureAwait(false);
        }

        // The application follows the control plane before simulated time moves on.
        await tools.App.SyncAsync(tools.ControlPlane.Current.Version, ct).ConfigureAwait(false);
        progress.Note(now, $"incident {incident.Id}: mitigation active ({outcome.Scope}); the app obeys through Quell.Client");
    }

    private async Task<FixOutcome> FixAsync(Incident incident, IScenario scenario, DateTimeOffset now, CancellationToken ct)
    {
        var owner = incident.Assignee ?? (incident.Pages.Count > 0 ? incident.Pages[0].User : "on-call");
        await incidents.ExecuteAsync(incident.Id, (m, i) => m.AddNote(i, $"root cause: {scenario.Description}; fix shipped at {scenario.End:yyyy-MM-dd HH:mm}", owner), ct).ConfigureAwait(false);
        await incidents.ExecuteAsync(incident.Id, (m, i) => m.Transition(i, IncidentState.Fixing, owner, "fix shipped"), ct).ConfigureAwait(false);
        if (Tools is { } tools && _mitigated.TryGetValue(scenario.Name, out var mitigation) && mitigation.MitigationId is { } mitigationId)
        {
            // The fix makes the stop-gap unnecessary.
            await tools.ControlPlane.RevokeAsync(mitigationId, owner, "fix shipped", ct).ConfigureAwait(false);
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
